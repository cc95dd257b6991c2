// Runtime: everything a local command needs to run a model: the model
// description (mmapped weights), the kernel table and thread pool, the
// transformer, a KV cache sized for `n_seqs` sequences of `context` tokens,
// a StaticBatchRunner over them, and the tokenizer. Shared by `servir run`,
// `bench` and `perplexity`.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "engine/static_batch_runner.h"
#include "formats/model_description.h"
#include "kernels/context.h"
#include "kernels/thread_pool.h"
#include "model/kv_cache.h"
#include "model/transformer.h"
#include "tokenizer/tokenizer.h"

namespace servir::app {

struct RuntimeOptions {
  std::string model_path;
  int threads = 0;           // 0: physical cores
  std::int64_t context = 0;  // tokens per sequence; 0: min(model context, 4096)
  int kv_block_size = 16;
  std::int64_t max_batch_tokens = 512;  // tokens per forward step
  int n_seqs = 1;                       // static runner: sequences; engine: --max-num-seqs (logit rows per step)
  // Engine mode (serve, bench --concurrency): one shared KV pool of
  // kv_cache_memory bytes (0: a fraction of available RAM, capped at what
  // n_seqs full contexts need) and no StaticBatchRunner.
  bool engine = false;
  std::uint64_t kv_cache_memory = 0;
  bool prefix_cache = true;
  std::string dtype;                   // --dtype: quantize float matrices at load (q8_0, q4_0, ...)
  std::string kv_cache_dtype = "f16";  // --kv-cache-dtype: f16 (auto), bf16, q8_0, f32
  bool load_tokenizer = true;
  // --verify / --sha256 / --manifest: hash the weight files before loading
  // and refuse a mismatch (ErrorCode::kIntegrity, exit status 3).
  bool verify = false;
  std::string sha256;    // empty: none given
  std::string manifest;  // empty: a manifest beside the model, if any
};

struct Runtime {
  ModelDescription description;
  const kernels::KernelTable* kernel_table = nullptr;
  std::unique_ptr<kernels::ThreadPool> pool;
  std::unique_ptr<kernels::KernelContext> ctx;
  std::unique_ptr<TransformerModel> model;
  std::unique_ptr<KvCache> cache;
  std::unique_ptr<StaticBatchRunner> runner;  // null in engine mode
  std::optional<Tokenizer> tokenizer;

  // Weights, KV pool and activation scratch, one line each.
  std::string memory_plan() const;
};

Result<std::unique_ptr<Runtime>> load_runtime(const RuntimeOptions& options);

// The KV cache element type of a --kv-cache-dtype value: f16 (also vLLM's
// auto), bf16 (bfloat16), q8_0, f32. fp8 names are refused with the reason.
Result<GgmlType> parse_kv_cache_dtype(std::string_view name);

// Parses a byte size: "1073741824", "512MiB", "2GiB", "1.5G", "800MB".
Result<std::uint64_t> parse_byte_size(std::string_view text);

// Token ids that end a generation: the config's EOS ids, the tokenizer's EOS
// and the end-of-turn tokens chat models use (<|eot_id|>, <|im_end|>, ...).
std::vector<std::int32_t> stop_token_ids(const Runtime& runtime);

}  // namespace servir::app
