#include "app/engine_setup.h"

#include <fmt/format.h>

namespace servir::app {

void add_engine_options(CLI::App& cmd, EngineFlags& f) {
  cmd.add_option("--max-num-seqs", f.engine.max_num_seqs, "Sequences running together at most")->capture_default_str();
  cmd.add_option("--kv-cache-memory", f.kv_cache_memory,
                 "KV cache pool size, e.g. 2GiB (default: 40% of available RAM, capped at max-num-seqs full contexts)");
  cmd.add_flag("--no-prefix-cache", f.no_prefix_cache, "Disable automatic prefix caching");
  cmd.add_option("--max-prefill-tokens-per-decode-step", f.engine.max_prefill_tokens_per_decode_step,
                 "Prompt tokens a step that also decodes may carry: a smaller chunk, a shorter stall for every "
                 "running stream (0: up to --max-num-batched-tokens)")
      ->capture_default_str();
  cmd.add_option("--max-queue-len", f.engine.max_queue_len,
                 "Waiting requests beyond which new ones get 429 (0: no limit)")
      ->capture_default_str();
  cmd.add_option("--max-queued-tokens", f.engine.max_queued_tokens,
                 "Waiting prompt tokens beyond which new requests get 429 (0: no limit)")
      ->capture_default_str();
}

Status prepare_engine_runtime(const EngineFlags& f, RuntimeOptions& r) {
  r.engine = true;
  r.n_seqs = f.engine.max_num_seqs;
  r.prefix_cache = !f.no_prefix_cache;
  if (!f.kv_cache_memory.empty()) {
    auto bytes = parse_byte_size(f.kv_cache_memory);
    if (!bytes) return std::move(bytes).status();
    r.kv_cache_memory = *bytes;
  }
  return {};
}

Result<std::unique_ptr<Engine>> start_engine(Runtime& rt, const RuntimeOptions& r, EngineFlags f) {
  EngineOptions options = f.engine;
  options.max_num_batched_tokens = r.max_batch_tokens;
  options.enable_prefix_caching = !f.no_prefix_cache;
  options.eos_token_ids = stop_token_ids(rt);
  options.max_model_len =
      r.context > 0 ? r.context : std::min<std::int64_t>(rt.description.config().context_length, 4096);
  fmt::print(stderr, "servir: KV cache {} blocks of {} tokens = {} tokens, {:.1f} MiB, {} ({} bytes per token)\n",
             rt.cache->n_blocks(), rt.cache->block_size(), rt.cache->n_token_slots(),
             static_cast<double>(rt.cache->bytes()) / (1 << 20), ggml_type_name(rt.cache->type()),
             rt.cache->bytes_per_token());
  return Engine::create(*rt.model, *rt.cache, *rt.ctx, rt.tokenizer ? &*rt.tokenizer : nullptr, options);
}

}  // namespace servir::app
