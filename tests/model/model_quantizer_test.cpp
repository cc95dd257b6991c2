// quantize_model end to end: the GGUF it writes loads in servir, an F32
// conversion of an HF folder gives the folder's logits and greedy
// continuation (Q/K permutation, tokenizer conversion), and each quantized
// type stays within a stated mean KL of the float model.
#include "model/quantize/model_quantizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engine/static_batch_runner.h"
#include "formats/synthetic_model.h"
#include "kernels/dtype_traits.h"
#include "kernels/kernel_table.h"
#include "testing/test_paths.h"
#include "tokenizer/gguf_tokenizer_metadata.h"
#include "tokenizer/tokenizer_loader.h"

namespace servir {
namespace {

constexpr std::int64_t kTokens = 64;

// Logits of every position of `tokens` (one prefill).
std::vector<float> logits_of(const std::string& path, const std::vector<std::int32_t>& tokens) {
  auto desc = open_model(path);
  EXPECT_TRUE(desc.ok()) << desc.status().to_string();
  if (!desc.ok()) return {};
  auto table = kernels::default_kernel_table();
  TransformerOptions options{.max_batch_tokens = kTokens, .max_logit_rows = kTokens};
  auto model = TransformerModel::create(*desc, **table, options);
  EXPECT_TRUE(model.ok()) << model.status().to_string();
  auto cache =
      KvCache::create(desc->config(), {.block_size = 16, .n_blocks = 2 * kTokens / 16, .type = GgmlType::kF32});
  kernels::ThreadPool pool(2);
  kernels::KernelContext ctx(**table, &pool);
  auto runner = StaticBatchRunner::create(*model, *cache, ctx, 1);
  std::vector<float> logits;
  EXPECT_TRUE(runner->prefill(0, tokens, logits, /*all_logits=*/true).ok());
  return logits;
}

// Greedy continuation of `prompt` for n tokens.
std::vector<std::int32_t> greedy(const std::string& path, const std::vector<std::int32_t>& prompt, int n) {
  auto desc = open_model(path);
  EXPECT_TRUE(desc.ok()) << desc.status().to_string();
  auto table = kernels::default_kernel_table();
  auto model = TransformerModel::create(*desc, **table, {.max_batch_tokens = kTokens, .max_logit_rows = 1});
  auto cache =
      KvCache::create(desc->config(), {.block_size = 16, .n_blocks = 2 * kTokens / 16, .type = GgmlType::kF32});
  kernels::ThreadPool pool(2);
  kernels::KernelContext ctx(**table, &pool);
  auto runner = StaticBatchRunner::create(*model, *cache, ctx, 1);
  std::vector<float> logits;
  std::vector<std::int32_t> out;
  EXPECT_TRUE(runner->prefill(0, prompt, logits, false).ok());
  for (int i = 0; i < n; ++i) {
    const auto next = static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    out.push_back(next);
    const std::vector<std::int32_t> one = {next};
    EXPECT_TRUE(runner->prefill(0, one, logits, false).ok());
  }
  return out;
}

double mean_kl(const std::vector<float>& p_logits, const std::vector<float>& q_logits, std::int64_t vocab) {
  const std::size_t rows = p_logits.size() / static_cast<std::size_t>(vocab);
  double total = 0;
  std::vector<double> p(static_cast<std::size_t>(vocab)), q(p.size());
  auto softmax = [vocab](const float* x, std::vector<double>& out) {
    const float m = *std::max_element(x, x + vocab);
    double sum = 0;
    for (std::int64_t i = 0; i < vocab; ++i) sum += out[static_cast<std::size_t>(i)] = std::exp(double{x[i]} - m);
    for (auto& v : out) v /= sum;
  };
  for (std::size_t r = 0; r < rows; ++r) {
    softmax(p_logits.data() + r * vocab, p);
    softmax(q_logits.data() + r * vocab, q);
    for (std::size_t i = 0; i < p.size(); ++i) total += p[i] * std::log(p[i] / std::max(q[i], 1e-300));
  }
  return total / static_cast<double>(rows);
}

Result<QuantizeResult> quantize(const std::string& in, const std::string& out, QuantScheme scheme,
                                bool allow_requantize = false) {
  auto desc = open_model(in);
  if (!desc.ok()) return desc.status();
  QuantizeOptions options;
  options.plan.scheme = scheme;
  options.n_threads = 2;
  options.allow_requantize = allow_requantize;
  if (desc->format() == ModelFormat::kSafetensors) {
    auto kvs = gguf_tokenizer_metadata_from_hf_file(desc->hf_folder(), desc->config().vocab_size);
    if (!kvs.ok()) return kvs.status();
    options.tokenizer_metadata = std::move(kvs).value();
  }
  return quantize_model(*desc, out, options);
}

TEST(ModelQuantizer, InterleavedRowOrderIsLlamaCppsPermute) {
  // head_dim 8: rows 0..7 of a head come from 0,4,1,5,2,6,3,7 (pairs (i, i+4)
  // of the NeoX layout become adjacent).
  const std::vector<std::uint64_t> want = {0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13};
  for (std::uint64_t r = 0; r < want.size(); ++r) EXPECT_EQ(interleaved_source_row(r, 8), want[r]) << r;
}

TEST(ModelQuantizer, HfFolderToF32GgufKeepsLogitsTokenizerAndGreedyText) {
  const auto folder = testing::shared_path("models/tinystories-656k");
  SKIP_WITHOUT_SHARED(folder);
  testing::TempDir tmp;
  const std::string gguf = (tmp / "ts-f32.gguf").string();
  auto result = quantize(folder.string(), gguf, QuantScheme::kF32);
  ASSERT_TRUE(result.ok()) << result.status().to_string();

  auto hf_tok = load_tokenizer(folder.string());
  auto gguf_tok = load_tokenizer(gguf);
  ASSERT_TRUE(hf_tok.ok() && gguf_tok.ok()) << gguf_tok.status().to_string();
  const std::string text = "Once upon a time, there was a little dog named Max. He liked to run and play.";
  const auto tokens = hf_tok->encode(text);
  EXPECT_EQ(gguf_tok->encode(text), tokens);

  std::vector<std::int32_t> window = tokens;
  while (window.size() < static_cast<std::size_t>(kTokens)) window.push_back(window[window.size() % tokens.size()]);
  const auto want = logits_of(folder.string(), window);
  const auto got = logits_of(gguf, window);
  ASSERT_EQ(got.size(), want.size());
  float max_diff = 0;
  for (std::size_t i = 0; i < got.size(); ++i) max_diff = std::max(max_diff, std::fabs(got[i] - want[i]));
  EXPECT_LT(max_diff, 1e-3f) << "F32 GGUF vs HF folder";
  EXPECT_EQ(greedy(gguf, tokens, 24), greedy(folder.string(), tokens, 24));

  auto file = GgufFile::open(gguf);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*file->find("general.architecture")->as_string(), "llama");
  EXPECT_EQ(file->find("general.file_type")->as_uint(), 0u);
  EXPECT_NE(file->find("llama.rope.dimension_count"), nullptr);
  EXPECT_EQ(file->find_tensor("output.weight"), nullptr) << "tied: token_embd only";
  EXPECT_NE(file->find_tensor("token_embd.weight"), nullptr);
}

// Llama 3 RoPE scaling has no GGUF metadata: the converter writes the
// rope_freqs tensor, whose factors must rotate exactly as the HF rule does.
TEST(ModelQuantizer, HfLlama3RopeScalingBecomesTheRopeFreqsTensor) {
  const auto tokenizer = testing::shared_path("testdata/tokenizers/mistral/tokenizer.json");
  SKIP_WITHOUT_SHARED(tokenizer);
  testing::TempDir tmp;
  SyntheticModelSpec spec;
  spec.config.hidden_size = 128;
  spec.config.n_layers = 2;
  spec.config.n_heads = 4;
  spec.config.n_kv_heads = 2;
  spec.config.ffn_size = 256;
  spec.config.rope_theta = 500000;
  spec.config.rope_scaling = {.type = RopeScalingType::kLlama3,
                              .factor = 8,
                              .low_freq_factor = 1,
                              .high_freq_factor = 4,
                              .original_context_length = 32};
  spec.seed = 5;
  spec.vocab_from = tokenizer.string();
  spec.out_path = (tmp / "hf").string();
  ASSERT_TRUE(complete_synthetic_spec(spec).ok());
  ASSERT_TRUE(write_synthetic_model(spec).ok());
  const std::string gguf = (tmp / "l3.gguf").string();
  auto result = quantize(spec.out_path, gguf, QuantScheme::kF32);
  ASSERT_TRUE(result.ok()) << result.status().to_string();
  auto file = GgufFile::open(gguf);
  ASSERT_TRUE(file.ok());
  const GgufTensorInfo* freqs = file->find_tensor("rope_freqs.weight");
  ASSERT_NE(freqs, nullptr);
  EXPECT_EQ(freqs->ne[0], 16u);  // head_dim 32 / 2
  EXPECT_EQ(file->find("llama.rope.scaling.type"), nullptr);
  std::vector<std::int32_t> tokens;
  for (int i = 0; i < kTokens; ++i) tokens.push_back(100 + (i * 31) % 1000);
  const auto want = logits_of(spec.out_path, tokens);
  const auto got = logits_of(gguf, tokens);
  ASSERT_EQ(got.size(), want.size());
  float max_diff = 0;
  for (std::size_t i = 0; i < got.size(); ++i) max_diff = std::max(max_diff, std::fabs(got[i] - want[i]));
  EXPECT_LT(max_diff, 1e-3f);
}

struct TypeTolerance {
  QuantScheme scheme;
  double max_mean_kl;
};

// Stated tolerances (mean KL(float || quantized) nats per position over 64
// positions), a few times what was measured so they hold across ISAs.
void check_types_against_float(const std::string& model, const std::vector<std::int32_t>& tokens,
                               const std::vector<TypeTolerance>& types) {
  testing::TempDir tmp;
  const auto reference = logits_of(model, tokens);
  auto desc = open_model(model);
  ASSERT_TRUE(desc.ok());
  const std::int64_t vocab = desc->config().vocab_size;
  double previous = -1;
  for (const TypeTolerance& t : types) {
    const std::string out = (tmp / (std::string(quant_scheme_name(t.scheme)) + ".gguf")).string();
    auto result = quantize(model, out, t.scheme);
    ASSERT_TRUE(result.ok()) << result.status().to_string();
    auto file = GgufFile::open(out);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->find("general.file_type")->as_uint(), quant_scheme_file_type(t.scheme));
    EXPECT_EQ(file->find("general.quantization_version")->as_uint(), 2u);
    for (const QuantizedTensorInfo& info : result->tensors) {
      EXPECT_EQ(file->find_tensor(info.plan.name)->type, info.plan.type) << info.plan.name;
    }
    const double kl = mean_kl(reference, logits_of(out, tokens), vocab);
    std::printf("%s %s: mean KL %.6f (bound %.4f)\n", model.c_str(), std::string(quant_scheme_name(t.scheme)).c_str(),
                kl, t.max_mean_kl);
    EXPECT_LT(kl, t.max_mean_kl) << quant_scheme_name(t.scheme);
    EXPECT_GE(kl, previous * 0.5) << "fewer bits should not be much closer";
    previous = kl;
  }
}

TEST(ModelQuantizer, Stories260KTypesStayCloseToF32) {
  const auto model = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(model);
  std::vector<std::int32_t> tokens;
  for (int i = 0; i < kTokens; ++i) tokens.push_back(1 + (i * 37) % 500);
  check_types_against_float(model.string(), tokens,
                            {{QuantScheme::kQ8_0, 0.005},
                             {QuantScheme::kQ6_K, 0.005},  // falls back to Q8_0 (rows of 64)
                             {QuantScheme::kQ5_K_M, 0.08},
                             {QuantScheme::kQ4_K_M, 0.08},
                             {QuantScheme::kQ4_0, 0.25}});
}

TEST(ModelQuantizer, TinyStoriesHfFolderTypesStayCloseToF32) {
  const auto folder = testing::shared_path("models/tinystories-656k");
  SKIP_WITHOUT_SHARED(folder);
  auto tok = load_tokenizer(folder.string());
  ASSERT_TRUE(tok.ok());
  auto tokens = tok->encode(
      "Once upon a time, there was a little girl named Lily. She loved to play in the park with her friends. One day, "
      "she found a big red ball under a tree. She was very happy and ran to show her mom.");
  tokens.resize(std::min<std::size_t>(tokens.size(), kTokens));
  check_types_against_float(folder.string(), tokens,
                            {{QuantScheme::kQ8_0, 0.005},
                             {QuantScheme::kQ6_K, 0.005},  // rows of 128: Q8_0
                             {QuantScheme::kQ5_K_M, 0.05},
                             {QuantScheme::kQ4_K_M, 0.08},
                             {QuantScheme::kQ4_0, 0.15}});
}

// Rows of 256 so the K-quants run as themselves (the tiny real models fall
// back to Q5_0/Q8_0).
TEST(ModelQuantizer, KQuantsOnARandomModelWithWholeSuperBlocks) {
  testing::TempDir tmp;
  SyntheticModelSpec spec;
  spec.config.hidden_size = 256;
  spec.config.n_layers = 2;
  spec.config.n_heads = 4;
  spec.config.n_kv_heads = 2;
  spec.config.ffn_size = 512;
  spec.config.vocab_size = 256;
  spec.config.rms_norm_eps = 1e-5;
  spec.seed = 7;
  spec.out_path = (tmp / "f32.gguf").string();
  ASSERT_TRUE(complete_synthetic_spec(spec).ok());
  ASSERT_TRUE(write_synthetic_model(spec).ok());
  std::vector<std::int32_t> tokens;
  for (int i = 0; i < kTokens; ++i) tokens.push_back((i * 53) % 256);
  check_types_against_float(spec.out_path, tokens,
                            {{QuantScheme::kQ8_0, 1e-4},
                             {QuantScheme::kQ6_K, 5e-4},
                             {QuantScheme::kQ5_K_M, 2e-3},
                             {QuantScheme::kQ4_K_M, 5e-3},
                             {QuantScheme::kQ4_0, 1e-2}});
}

TEST(ModelQuantizer, RefusesToRequantizeUnlessAllowed) {
  const auto model = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(model);
  testing::TempDir tmp;
  const std::string q8 = (tmp / "q8.gguf").string();
  ASSERT_TRUE(quantize(model.string(), q8, QuantScheme::kQ8_0).ok());
  auto again = quantize(q8, (tmp / "q4.gguf").string(), QuantScheme::kQ4_0);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("--allow-requantize"), std::string::npos);
  EXPECT_TRUE(quantize(q8, (tmp / "q4.gguf").string(), QuantScheme::kQ4_0, true).ok());
}

}  // namespace
}  // namespace servir
