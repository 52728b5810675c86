// Loading rules for the engine, under the path older callers include:
// docket's public API (include/docket/) declares it in docket/rules.h, which
// new code includes instead.

#pragma once

#include "docket/rules.h"
#include "engine/model/result.h"
#include "engine/model/workflow.h"
#include "engine/runtime/engine.h"
