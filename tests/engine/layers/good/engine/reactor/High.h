#pragma once
#include "engine/net/Low.h"
