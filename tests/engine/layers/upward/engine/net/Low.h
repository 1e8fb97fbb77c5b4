#pragma once
#include "engine/reactor/High.h"  // up a layer: refused
