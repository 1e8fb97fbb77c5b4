#pragma once
#include "engine/reactor/Channel.h"  // up a layer: refused (engine/program is below engine/reactor)
