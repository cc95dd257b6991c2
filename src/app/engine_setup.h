// Engine set-up shared by `servir serve` and `servir bench --concurrency`:
// the engine's flags, and starting an Engine over a loaded Runtime.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "app/runtime.h"
#include "engine/engine.h"

namespace servir::app {

struct EngineFlags {
  EngineOptions engine;
  std::string kv_cache_memory;  // --kv-cache-memory, a byte size; empty: default
  bool no_prefix_cache = false;
};

// --max-num-seqs, --kv-cache-memory, --no-prefix-cache,
// --max-prefill-tokens-per-decode-step, --max-queue-len, --max-queued-tokens
// (the runtime's own flags come from add_runtime_options).
void add_engine_options(CLI::App& cmd, EngineFlags& flags);

// Turns the flags into runtime options for engine mode (call before
// load_runtime). Fails on a bad --kv-cache-memory.
Status prepare_engine_runtime(const EngineFlags& flags, RuntimeOptions& runtime);

// Starts the engine over a runtime loaded in engine mode: EOS ids from the
// model and tokenizer, the context as max_model_len. Logs the KV pool as
// blocks and tokens.
Result<std::unique_ptr<Engine>> start_engine(Runtime& runtime, const RuntimeOptions& runtime_options,
                                             EngineFlags flags);

}  // namespace servir::app
