// TransformerModel: batch invariance, prefill/decode equivalence and input
// validation on random-weight models made by the synthetic writer. Parity
// against the independent NumPy reference lives in reference_parity_test.cpp.
#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model_test_util.h"
#include "testing/synthetic_specs.h"
#include "testing/test_paths.h"

namespace servir {
namespace {

using testing::BatchPiece;
using ::testing::HasSubstr;
using testing::SequenceDriver;

struct Fixture {
  testing::TempDir dir;
  ModelDescription desc;
  std::unique_ptr<TransformerModel> model;
  std::unique_ptr<KvCache> cache;
  kernels::ThreadPool pool{2};
  std::unique_ptr<kernels::KernelContext> ctx;

  explicit Fixture(Architecture arch, bool tied = false) {
    auto spec = testing::small_model_spec(arch, (dir / "m").string(), /*seed=*/11);
    spec.config.vocab_size = 128;
    spec.config.tied_embeddings = tied;
    EXPECT_TRUE(complete_synthetic_spec(spec).ok());
    EXPECT_TRUE(write_synthetic_model(spec).ok());
    auto d = open_model(spec.out_path);
    EXPECT_TRUE(d.ok()) << d.status().to_string();
    desc = std::move(*d);
    auto table = kernels::default_kernel_table();
    EXPECT_TRUE(table.ok());
    auto m = TransformerModel::create(desc, **table, {.max_batch_tokens = 64, .max_logit_rows = 64});
    EXPECT_TRUE(m.ok()) << m.status().to_string();
    model = std::make_unique<TransformerModel>(std::move(*m));
    auto c = KvCache::create(desc.config(), {.block_size = 4, .n_blocks = 64, .type = GgmlType::kF32});
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    cache = std::make_unique<KvCache>(std::move(*c));
    ctx = std::make_unique<kernels::KernelContext>(**table, &pool);
  }
  SequenceDriver driver() { return SequenceDriver(*StaticBatchRunner::create(*model, *cache, *ctx, /*n_seqs=*/4)); }
};

float max_abs_diff(const std::vector<float>& a, std::size_t a_off, const std::vector<float>& b, std::size_t b_off,
                   std::size_t n) {
  float m = 0;
  for (std::size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(a[a_off + i] - b[b_off + i]));
  return m;
}

class PerArchitecture : public ::testing::TestWithParam<Architecture> {};

// The logits of a sequence do not depend on what else is in the batch.
TEST_P(PerArchitecture, BatchInvarianceWithMixedPrefillAndDecode) {
  Fixture f(GetParam());
  const std::size_t vocab = 128;
  const std::vector<std::int32_t> prompt_a = {1, 5, 9, 33, 2, 7, 100};
  const std::vector<std::int32_t> prompt_b = {4, 4, 8, 15, 16, 23, 42, 3, 99, 12};

  auto alone = f.driver();
  auto a_prefill = alone.step({{0, prompt_a}});
  ASSERT_TRUE(alone.status().ok()) << alone.status().to_string();
  auto a_decode = alone.step({{0, {17}}});
  auto a_decode2 = alone.step({{0, {18}}});

  auto mixed = f.driver();
  auto m1 = mixed.step({{1, {6, 6, 6}}, {0, prompt_a}, {2, {3}}});
  ASSERT_TRUE(mixed.status().ok()) << mixed.status().to_string();
  EXPECT_LE(max_abs_diff(a_prefill, 0, m1, vocab, vocab), 1e-5f);
  // a decodes while b prefills a chunk and c decodes.
  auto m2 = mixed.step({{1, prompt_b}, {0, {17}}, {2, {8}}});
  EXPECT_LE(max_abs_diff(a_decode, 0, m2, vocab, vocab), 1e-5f);
  auto m3 = mixed.step({{0, {18}}, {1, {5}}});
  EXPECT_LE(max_abs_diff(a_decode2, 0, m3, 0, vocab), 1e-5f);
}

// Prefill of n tokens gives, row by row, what n single-token steps give.
TEST_P(PerArchitecture, PrefillEqualsTokenByTokenDecode) {
  Fixture f(GetParam());
  const std::size_t vocab = 128;
  const std::vector<std::int32_t> prompt = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5};
  auto whole = f.driver();
  BatchPiece all{0, prompt, true};
  auto full = whole.step({all});
  ASSERT_TRUE(whole.status().ok());
  auto steps = f.driver();
  for (std::size_t i = 0; i < prompt.size(); ++i) {
    auto row = steps.step({{1, {prompt[i]}}});
    ASSERT_TRUE(steps.status().ok());
    EXPECT_LE(max_abs_diff(full, i * vocab, row, 0, vocab), 1e-4f) << "position " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Llama, PerArchitecture,
                         ::testing::Values(Architecture::kLlama, Architecture::kQwen2, Architecture::kQwen3),
                         [](const auto& info) { return std::string(architecture_name(info.param)); });

TEST(Transformer, TiedEmbeddingsRun) {
  Fixture f(Architecture::kQwen2, /*tied=*/true);
  auto d = f.driver();
  auto logits = d.step({{0, {1, 2, 3}}});
  ASSERT_TRUE(d.status().ok()) << d.status().to_string();
  for (float v : logits) ASSERT_TRUE(std::isfinite(v));
}

TEST(Transformer, RefusesBadInputBeforeTouchingTheCache) {
  Fixture f(Architecture::kLlama);
  auto d = f.driver();
  d.step({{0, {1, 500}}});
  EXPECT_THAT(d.status().message(), HasSubstr("token id 500 at batch row 1 is outside the vocabulary of 128"));
  d.step({{0, {-1}}});
  EXPECT_EQ(d.status().code(), ErrorCode::kInvalidArgument);

  std::vector<std::int32_t> tokens = {1}, seqs = {0}, pos = {0}, rows = {0};
  std::vector<std::int32_t> tables = {999};
  std::vector<float> logits(128);
  ForwardBatch bad_block{tokens, seqs, pos, tables, 1, rows};
  EXPECT_THAT(f.model->forward(*f.ctx, bad_block, *f.cache, logits.data()).message(),
              HasSubstr("block 0 is id 999, outside the pool of 64"));
  tables = {0};
  pos = {2048};
  ForwardBatch too_far{tokens, seqs, pos, tables, 1, rows};
  EXPECT_EQ(f.model->forward(*f.ctx, too_far, *f.cache, logits.data()).code(), ErrorCode::kContextLengthExceeded);
  pos = {4};  // block 1 of a one-block table
  ForwardBatch beyond_table{tokens, seqs, pos, tables, 1, rows};
  EXPECT_THAT(f.model->forward(*f.ctx, beyond_table, *f.cache, logits.data()).message(), HasSubstr("needs block 1"));
  seqs = {3};
  pos = {0};
  ForwardBatch bad_seq{tokens, seqs, pos, tables, 1, rows};
  EXPECT_THAT(f.model->forward(*f.ctx, bad_seq, *f.cache, logits.data()).message(), HasSubstr("names sequence 3"));
  std::vector<std::int32_t> many(65, 1), many_seq(65, 0), many_pos(65, 0);
  ForwardBatch too_big{many, many_seq, many_pos, tables, 1, rows};
  EXPECT_THAT(f.model->forward(*f.ctx, too_big, *f.cache, logits.data()).message(),
              HasSubstr("exceeds max_batch_tokens"));
}

TEST(KvCacheConfig, SizesFromMemoryAndRefusesTooLittle) {
  ModelConfig c;
  c.n_layers = 2;
  c.n_kv_heads = 2;
  c.head_dim = 16;
  // One block: 2 layers x (K + V) x 16 tokens x 2 heads x 16 dims x 2 bytes = 4096 bytes.
  auto cache = KvCache::create(c, {.block_size = 16, .memory_bytes = 10000});
  ASSERT_TRUE(cache.ok()) << cache.status().to_string();
  EXPECT_EQ(cache->n_blocks(), 2);
  EXPECT_EQ(cache->bytes_per_block(), 4096u);
  EXPECT_EQ(cache->n_token_slots(), 32);
  auto none = KvCache::create(c, {.block_size = 16, .memory_bytes = 100});
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("holds no block"));
}

}  // namespace
}  // namespace servir
