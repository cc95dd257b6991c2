// `servir perplexity --save-logits / --kl-base` and `--kv-cache-dtype` end
// to end: an identical run gives KL 0 and full top-1 agreement, a perturbed
// one (a bf16 KV cache) a KL above 0, and a base from another vocabulary or
// text is refused. Two chunks of 64 tokens keep each run well under a second.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_paths.h"

namespace servir {
namespace {

using ::testing::HasSubstr;
using testing::run_command;

class PerplexityKlCli : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::shared_path("models/stories260K.gguf").string();
    text_ = testing::shared_path("testdata/text/war-and-peace.txt").string();
    SKIP_WITHOUT_SHARED(model_);
    SKIP_WITHOUT_SHARED(text_);
    dir_ = std::filesystem::temp_directory_path() / ("servir_kl_test_" + std::to_string(::getpid()) + "_" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string perplexity(const std::string& model, const std::string& args) const {
    return testing::servir_command("perplexity -m " + model + " -f " + text_ + " --ctx 64 " + args);
  }
  std::string base_path() const { return (dir_ / "base.logp").string(); }
  // Saves the base of stories260K with the default (f16) KV cache.
  void save_base() const {
    const auto r = run_command(perplexity(model_, "--chunks 2 --save-logits " + base_path()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_TRUE(std::filesystem::exists(base_path()));
  }

  std::string model_, text_;
  std::filesystem::path dir_;
};

TEST_F(PerplexityKlCli, IdenticalRunGivesZeroKlAndFullAgreement) {
  ASSERT_NO_FATAL_FAILURE(save_base());
  const auto r = run_command(perplexity(model_, "--kl-base " + base_path() + " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["chunks"], 2);  // the base's chunks by default
  EXPECT_EQ(j["kl"]["positions"], 2 * 31);
  EXPECT_EQ(j["kl"]["mean"].get<double>(), 0.0);
  EXPECT_EQ(j["kl"]["max"].get<double>(), 0.0);
  EXPECT_EQ(j["kl"]["top1_agreement"].get<double>(), 1.0);
  EXPECT_EQ(j["kl"]["base_ppl"], j["kl"]["ppl"]);
  EXPECT_NEAR(j["kl"]["ppl"].get<double>(), j["perplexity"].get<double>(), 0.01 * j["perplexity"].get<double>());
}

TEST_F(PerplexityKlCli, PerturbedRunGivesPositiveKl) {
  ASSERT_NO_FATAL_FAILURE(save_base());
  const auto r = run_command(perplexity(model_, "--kv-cache-dtype bf16 --kl-base " + base_path() + " --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_GT(j["kl"]["mean"].get<double>(), 0.0);
  EXPECT_GT(j["kl"]["max"].get<double>(), j["kl"]["mean"].get<double>());
  EXPECT_LT(j["kl"]["mean"].get<double>(), 0.05);  // bf16 K/V moves the distributions a little, not a lot
  EXPECT_GT(j["kl"]["top1_agreement"].get<double>(), 0.8);
  const auto text = run_command(perplexity(model_, "--kv-cache-dtype bf16 --kl-base " + base_path()));
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_THAT(text.output, HasSubstr("KL divergence vs " + base_path()));
  EXPECT_THAT(text.output, HasSubstr("Top-1 agreement:"));
}

TEST_F(PerplexityKlCli, RefusesABaseOfAnotherVocabularyContextOrText) {
  ASSERT_NO_FATAL_FAILURE(save_base());
  const auto other_model = testing::shared_path("models/tinystories-656k");
  SKIP_WITHOUT_SHARED(other_model);
  auto r = run_command(perplexity(other_model.string(), "--kl-base " + base_path() + " 2>&1"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("vocabulary of 512 tokens, this model has 2048"));
  // Another text: the windows' tokens differ.
  const std::string other_text = (dir_ / "other.txt").string();
  testing::write_file(other_text, std::string(4000, 'a') + " the end of another story.\n");
  r = run_command(
      testing::servir_command("perplexity -m " + model_ + " -f " + other_text + " --kl-base " + base_path() + " 2>&1"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("another text or tokenizer"));
  r = run_command(testing::servir_command("perplexity -m " + model_ + " -f " + text_ + " --ctx 128 --kl-base " +
                                          base_path() + " 2>&1"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("saved with --ctx 64"));
  // Not a log-prob file at all.
  r = run_command(perplexity(model_, "--kl-base " + model_ + " 2>&1"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("not a servir log-prob file"));
}

TEST_F(PerplexityKlCli, Q8_0KvCacheIsRefusedForHeadDimsThatAreNotWholeBlocks) {
  // stories260K has 8-wide heads: q8_0 blocks of 32 would straddle heads.
  const auto r = run_command(perplexity(model_, "--chunks 1 --kv-cache-dtype q8_0 2>&1"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("multiple of 32"));
  const auto fp8 = run_command(perplexity(model_, "--chunks 1 --kv-cache-dtype fp8_e4m3 2>&1"));
  EXPECT_EQ(fp8.exit_code, 1) << fp8.output;
  EXPECT_THAT(fp8.output, HasSubstr("not implemented on CPUs"));
}

}  // namespace
}  // namespace servir
