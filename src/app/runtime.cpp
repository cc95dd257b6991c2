#include "app/runtime.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>

#include <fmt/format.h>

#include "tokenizer/tokenizer_loader.h"

namespace servir::app {
namespace {

// MemAvailable from /proc/meminfo (bytes); 4 GiB when it cannot be read.
std::uint64_t available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024;
  }
  return std::uint64_t{4} << 30;
}

}  // namespace

Result<std::uint64_t> parse_byte_size(std::string_view text) {
  double value = 0;
  const char* begin = text.data();
  const char* end = begin + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || !(value >= 0)) {
    return make_error(ErrorCode::kInvalidArgument, "'{}' is not a byte size (e.g. 2GiB, 512MiB, 1000000)", text);
  }
  std::string unit(ptr, end);
  std::transform(unit.begin(), unit.end(), unit.begin(), [](unsigned char ch) { return std::tolower(ch); });
  double scale = 0;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "k" || unit == "kib")
    scale = 1024.0;
  else if (unit == "kb")
    scale = 1e3;
  else if (unit == "m" || unit == "mib")
    scale = 1024.0 * 1024;
  else if (unit == "mb")
    scale = 1e6;
  else if (unit == "g" || unit == "gib")
    scale = 1024.0 * 1024 * 1024;
  else if (unit == "gb")
    scale = 1e9;
  else if (unit == "t" || unit == "tib")
    scale = 1024.0 * 1024 * 1024 * 1024;
  else if (unit == "tb")
    scale = 1e12;
  if (scale == 0 || value * scale > 1e18) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'{}' is not a byte size (units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)", text);
  }
  return static_cast<std::uint64_t>(value * scale);
}

Result<GgmlType> parse_kv_cache_dtype(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "f16" || lower == "auto" || lower == "float16" || lower == "half") return GgmlType::kF16;
  if (lower == "bf16" || lower == "bfloat16") return GgmlType::kBF16;
  if (lower == "q8_0") return GgmlType::kQ8_0;
  if (lower == "f32" || lower == "float32" || lower == "float") return GgmlType::kF32;
  if (lower.starts_with("fp8")) {
    // No CPU this targets converts fp8 in hardware (AVX10.2 does; Zen 5 and
    // Sapphire Rapids do not): q8_0 takes about the same bytes and keeps
    // more precision (an 8-bit integer per value under a per-32 scale).
    return make_error(ErrorCode::kUnsupported,
                      "--kv-cache-dtype {} is not implemented on CPUs; q8_0 takes as little "
                      "memory (1.06 bytes per value) with more precision",
                      name);
  }
  return make_error(ErrorCode::kInvalidArgument, "--kv-cache-dtype {}: expected f16 (auto), bf16, q8_0 or f32", name);
}

std::string Runtime::memory_plan() const {
  return fmt::format(
      "memory plan: weights {:.1f} MiB mmapped ({} file(s), read-only, shared), KV cache {:.1f} MiB ({} blocks x {} "
      "tokens, {}, {} bytes per token), scratch {:.1f} MiB for {} tokens per step; {} threads, kernels {}",
      static_cast<double>(description.total_file_bytes()) / (1 << 20), description.files().size(),
      static_cast<double>(cache->bytes()) / (1 << 20), cache->n_blocks(), cache->block_size(),
      ggml_type_name(cache->type()), cache->bytes_per_token(), static_cast<double>(model->scratch_bytes()) / (1 << 20),
      model->options().max_batch_tokens, ctx->n_threads(), kernels::isa_name(kernel_table->isa));
}

Result<std::unique_ptr<Runtime>> load_runtime(const RuntimeOptions& o) {
  auto rt = std::make_unique<Runtime>();
  LoadOptions load;
  load.verify = o.verify;
  if (!o.sha256.empty()) load.expected_sha256 = o.sha256;
  if (!o.manifest.empty()) load.manifest_path = o.manifest;
  auto desc = open_model(o.model_path, load);
  if (!desc) return std::move(desc).status();
  rt->description = std::move(*desc);
  const ModelConfig& c = rt->description.config();

  auto table = kernels::default_kernel_table();
  if (!table) return std::move(table).status();
  rt->kernel_table = *table;
  if (o.threads < 0) return make_error(ErrorCode::kInvalidArgument, "--threads must be >= 0");
  rt->pool = std::make_unique<kernels::ThreadPool>(o.threads);
  rt->ctx = std::make_unique<kernels::KernelContext>(*rt->kernel_table, rt->pool.get());

  const std::int64_t context = o.context > 0 ? o.context : std::min<std::int64_t>(c.context_length, 4096);
  if (context > c.context_length) {
    return make_error(ErrorCode::kInvalidArgument, "--ctx {} exceeds the model's context length {}", context,
                      c.context_length);
  }
  // Attention here is full causal; past a sliding window it would silently
  // differ from the model's training, so refuse instead.
  if (c.sliding_window && context > *c.sliding_window) {
    return make_error(ErrorCode::kUnsupported,
                      "{}: sliding-window attention ({} tokens) is not implemented yet; use --ctx {} or less",
                      o.model_path, *c.sliding_window, *c.sliding_window);
  }
  const std::int64_t max_batch = std::max<std::int64_t>(o.max_batch_tokens, o.n_seqs);
  TransformerOptions model_options{.max_batch_tokens = max_batch, .max_logit_rows = max_batch};
  if (!o.dtype.empty() && o.dtype != "auto") {
    const auto type = ggml_type_from_name(o.dtype);
    if (!type || !ggml_type_info(*type).quantized) {
      return make_error(ErrorCode::kInvalidArgument, "--dtype {} is not a quantized type (q8_0, q4_0, ...)", o.dtype);
    }
    model_options.weights.quantize_matrices = *type;
  }
  auto model = TransformerModel::create(rt->description, *rt->kernel_table, model_options);
  if (!model) return std::move(model).status();
  rt->model = std::make_unique<TransformerModel>(std::move(*model));

  const std::int64_t blocks_per_seq = (context + o.kv_block_size - 1) / std::max(1, o.kv_block_size);
  auto kv_type = parse_kv_cache_dtype(o.kv_cache_dtype);
  if (!kv_type) return std::move(kv_type).status();
  KvCacheConfig kv{.block_size = o.kv_block_size, .n_blocks = blocks_per_seq * o.n_seqs, .type = *kv_type};
  if (o.engine) {
    kv.n_blocks = 0;
    kv.memory_bytes = o.kv_cache_memory;
    if (kv.memory_bytes == 0) {
      // Default: 40% of the RAM available now, but no more than n_seqs full
      // contexts need (beyond that only the prefix cache would use it).
      auto probe = KvCache::create(c, {.block_size = o.kv_block_size, .n_blocks = 1, .type = kv.type});
      if (!probe) return std::move(probe).status();
      const std::uint64_t full = probe->bytes_per_block() * static_cast<std::uint64_t>(blocks_per_seq * o.n_seqs);
      kv.memory_bytes = std::min<std::uint64_t>(full, available_memory_bytes() / 5 * 2);
    }
  }
  auto cache = KvCache::create(c, kv);
  if (!cache) return std::move(cache).status();
  rt->cache = std::make_unique<KvCache>(std::move(*cache));
  if (!o.engine) {
    auto runner = StaticBatchRunner::create(*rt->model, *rt->cache, *rt->ctx, o.n_seqs);
    if (!runner) return std::move(runner).status();
    rt->runner = std::make_unique<StaticBatchRunner>(std::move(*runner));
  }

  if (o.load_tokenizer) {
    const std::string source =
        rt->description.format() == ModelFormat::kGguf ? rt->description.path() : rt->description.hf_folder();
    auto tok = load_tokenizer(source);
    if (!tok) return std::move(tok).status();
    rt->tokenizer.emplace(std::move(*tok));
  }
  return rt;
}

std::vector<std::int32_t> stop_token_ids(const Runtime& rt) {
  std::vector<std::int32_t> ids;
  for (auto id : rt.description.config().eos_token_ids) ids.push_back(static_cast<std::int32_t>(id));
  if (rt.tokenizer) {
    if (rt.tokenizer->eos_id() >= 0) ids.push_back(rt.tokenizer->eos_id());
    for (const char* end_of_turn : {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>"}) {
      if (auto id = rt.tokenizer->find_token(end_of_turn)) ids.push_back(*id);
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace servir::app
