// `servir bench --concurrency C`: drives the continuous-batching engine
// in-process with C requests in flight (closed loop, R in total) and prints
// aggregate throughput, time-to-first-token and inter-token latency
// percentiles, prefix-cache hit rate and preemptions; with
// --prefix-reuse-tokens S it also times a request that shares an S-token
// prefix with the one before it.
#pragma once

#include "app/engine_setup.h"
#include "app/runtime.h"

namespace servir::app {

struct EngineBenchOptions {
  RuntimeOptions runtime;
  EngineFlags engine;
  int concurrency = 1;
  int requests = 0;  // 0: 4 x concurrency
  int prompt_tokens = 128;
  int gen_tokens = 128;
  int prefix_reuse_tokens = 0;
  bool json = false;
};

void run_engine_bench(EngineBenchOptions options);

}  // namespace servir::app
