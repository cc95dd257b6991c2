// Engine test fixture: a tiny random-weight model (or a model from
// ../shared), an F32 KV cache and an Engine over them, plus a sink that
// collects a request's outputs for the test thread to wait on.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/engine.h"
#include "formats/synthetic_model.h"
#include "kernels/kernel_table.h"
#include "kernels/thread_pool.h"
#include "testing/synthetic_specs.h"
#include "testing/test_paths.h"
#include "tokenizer/tokenizer_loader.h"

namespace servir::testing {

// Everything a request produced, merged per choice.
struct Collected {
  std::vector<std::vector<std::int32_t>> tokens;  // per choice
  std::vector<std::string> text;
  std::vector<FinishReason> finish;
  std::vector<std::vector<TokenLogprob>> logprobs;
  std::vector<std::optional<std::string>> stop_string;
  std::vector<double> cumulative;  // cumulative logprob per choice, as last reported
  RequestOutput last;
  int outputs = 0;
  bool finished = false;
};

class Collector {
 public:
  OutputSink sink() {
    return [this](RequestOutput&& out) {
      std::lock_guard lock(mutex_);
      ++c_.outputs;
      if (c_.finished) ++outputs_after_finish_;
      for (auto& d : out.choices) {
        const auto i = static_cast<std::size_t>(d.index);
        if (c_.tokens.size() <= i) {
          c_.tokens.resize(i + 1);
          c_.text.resize(i + 1);
          c_.finish.resize(i + 1, FinishReason::kNone);
          c_.logprobs.resize(i + 1);
          c_.stop_string.resize(i + 1);
          c_.cumulative.resize(i + 1);
        }
        c_.cumulative[i] = d.cumulative_logprob;
        c_.tokens[i].insert(c_.tokens[i].end(), d.token_ids.begin(), d.token_ids.end());
        c_.text[i] += d.text;
        for (auto& lp : d.logprobs) c_.logprobs[i].push_back(lp);
        if (d.finish_reason != FinishReason::kNone) c_.finish[i] = d.finish_reason;
        if (d.stop_string) c_.stop_string[i] = d.stop_string;
      }
      if (out.finished) c_.finished = true;
      c_.last = std::move(out);
      cv_.notify_all();
    };
  }
  // Waits up to 60 s for the final output.
  Collected wait() {
    std::unique_lock lock(mutex_);
    EXPECT_TRUE(cv_.wait_for(lock, std::chrono::seconds(60), [&] { return c_.finished; })) << "request never finished";
    return c_;
  }
  bool wait_first_output() {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::seconds(60), [&] { return c_.outputs > 0; });
  }
  int outputs_after_finish() const {
    std::lock_guard lock(mutex_);
    return outputs_after_finish_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  Collected c_;
  int outputs_after_finish_ = 0;
};

struct EngineFixture {
  TempDir dir;
  ModelDescription desc;
  std::unique_ptr<TransformerModel> model;
  std::unique_ptr<KvCache> cache;
  kernels::ThreadPool pool{2};
  std::unique_ptr<kernels::KernelContext> ctx;
  std::optional<Tokenizer> tokenizer;

  // A random-weight llama (vocab 128; `n_heads` heads over n_heads / 2 KV
  // heads of hidden 64 / n_heads) unless `model_path` names a file, with a
  // KV cache of `kv_type`.
  explicit EngineFixture(std::int64_t kv_blocks = 256, int block_size = 4, const std::string& model_path = "",
                         GgmlType kv_type = GgmlType::kF32, int n_heads = 4) {
    std::string path = model_path;
    if (path.empty()) {
      auto spec = small_model_spec(Architecture::kLlama, (dir / "m").string(), /*seed=*/23);
      spec.config.vocab_size = 128;
      spec.config.n_heads = n_heads;
      spec.config.n_kv_heads = n_heads / 2;
      spec.config.context_length = 512;
      EXPECT_TRUE(complete_synthetic_spec(spec).ok());
      EXPECT_TRUE(write_synthetic_model(spec).ok());
      path = spec.out_path;
    }
    auto d = open_model(path);
    EXPECT_TRUE(d.ok()) << d.status().to_string();
    desc = std::move(*d);
    auto table = kernels::default_kernel_table();
    auto m = TransformerModel::create(desc, **table, {.max_batch_tokens = 64, .max_logit_rows = 64});
    EXPECT_TRUE(m.ok()) << m.status().to_string();
    model = std::make_unique<TransformerModel>(std::move(*m));
    auto c = KvCache::create(desc.config(), {.block_size = block_size, .n_blocks = kv_blocks, .type = kv_type});
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    cache = std::make_unique<KvCache>(std::move(*c));
    ctx = std::make_unique<kernels::KernelContext>(**table, &pool);
    if (!model_path.empty()) {
      auto tok = load_tokenizer(model_path);
      EXPECT_TRUE(tok.ok()) << tok.status().to_string();
      if (tok.ok()) tokenizer.emplace(std::move(*tok));
    }
  }

  // Engine options sized for the fixture's model (64 tokens per step).
  static EngineOptions small_options() {
    EngineOptions o;
    o.max_num_seqs = 16;
    o.max_num_batched_tokens = 64;
    return o;
  }

  std::unique_ptr<Engine> engine(const EngineOptions& options = small_options()) {
    auto e = Engine::create(*model, *cache, *ctx, tokenizer ? &*tokenizer : nullptr, options);
    EXPECT_TRUE(e.ok()) << e.status().to_string();
    return std::move(*e);
  }
};

inline std::vector<std::int32_t> random_prompt(std::uint64_t seed, int length, int vocab = 128) {
  std::vector<std::int32_t> out;
  std::uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
  for (int i = 0; i < length; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    out.push_back(static_cast<std::int32_t>((s >> 33) % static_cast<std::uint64_t>(vocab)));
  }
  return out;
}

inline GenerationRequest greedy_request(std::string id, std::vector<std::int32_t> prompt, int max_tokens) {
  GenerationRequest r;
  r.id = std::move(id);
  r.prompt = std::move(prompt);
  r.sampling.temperature = 0.0f;
  r.sampling.max_tokens = max_tokens;
  return r;
}

}  // namespace servir::testing
