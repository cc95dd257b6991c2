// `servir inspect` and `servir testmodel` driven as a user drives them: the
// built binary, its stdout, its exit status.
#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/synthetic_specs.h"
#include "testing/test_paths.h"

namespace servir {
namespace {

using ::testing::HasSubstr;
using testing::run_command;
using testing::TempDir;

std::string servir_cmd(const std::string& args) { return testing::servir_command(args); }

nlohmann::json inspect_json(const std::string& path, const std::string& extra = "") {
  const auto result = run_command(servir_cmd("inspect --json " + extra + " '" + path + "'"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  auto j = nlohmann::json::parse(result.output, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << result.output;
  return j;
}

TEST(InspectCli, Stories260KGguf) {
  const auto path = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(path);
  const auto j =
      inspect_json(path.string(), "--verify --sha256 270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d");
  EXPECT_EQ(j["format"], "gguf");
  EXPECT_EQ(j["gguf_version"], 3);
  EXPECT_EQ(j["architecture"], "llama");
  const auto& h = j["hyperparameters"];
  EXPECT_EQ(h["hidden_size"], 64);
  EXPECT_EQ(h["n_layers"], 5);
  EXPECT_EQ(h["n_heads"], 8);
  EXPECT_EQ(h["n_kv_heads"], 4);
  EXPECT_EQ(h["head_dim"], 8);
  EXPECT_EQ(h["vocab_size"], 512);
  EXPECT_EQ(h["rms_norm_eps"], 1e-5);
  EXPECT_EQ(h["rope_layout"], "interleaved");
  EXPECT_EQ(j["parameter_count"], 292800);
  EXPECT_EQ(j["tensor_types"]["f32"]["tensors"], 48);
  EXPECT_EQ(j["file_size_bytes"], 1185376);
  EXPECT_EQ(j["files"][0]["sha256"], "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d");
  EXPECT_EQ(j["verified_against"], "--sha256");
  EXPECT_EQ(j["tokenizer"]["model"], "llama");
  EXPECT_EQ(j["tokenizer"]["tokens"], 512);
}

TEST(InspectCli, TinyStories656kFolder) {
  const auto path = testing::shared_path("models/tinystories-656k");
  SKIP_WITHOUT_SHARED(path);
  const auto j = inspect_json(path.string(), "--tensors");
  EXPECT_EQ(j["format"], "safetensors");
  EXPECT_FALSE(j.contains("gguf_version"));
  EXPECT_EQ(j["architecture"], "llama");
  EXPECT_EQ(j["hyperparameters"]["hidden_size"], 128);
  EXPECT_EQ(j["hyperparameters"]["ffn_size"], 384);
  EXPECT_EQ(j["hyperparameters"]["vocab_size"], 2048);
  EXPECT_EQ(j["hyperparameters"]["tied_embeddings"], true);
  EXPECT_EQ(j["hyperparameters"]["rope_layout"], "neox");
  EXPECT_EQ(j["parameter_count"], 656000);
  EXPECT_EQ(j["tokenizer"]["source"], "tokenizer.json");
  EXPECT_EQ(j["tensors"].size(), 21u);  // 20 stored + the token_embd alias of lm_head
  EXPECT_TRUE(j["files"][0]["sha256"].is_null()) << "no --verify, no hashing";
}

TEST(InspectCli, TestmodelInBothFormatsReportsWhatWasAskedFor) {
  TempDir dir;
  for (const std::string out : {"q.gguf", "q-hf"}) {
    const auto path = (dir / out).string();
    const auto made = run_command(servir_cmd("testmodel --arch qwen2 --hidden 64 --layers 3 --heads 4 --kv-heads 2 "
                                             "--ffn 128 --vocab 300 --type f16 --tie-embeddings --seed 1 --out '" +
                                             path + "'"),
                                  true);
    ASSERT_EQ(made.exit_code, 0) << made.output;
    const auto j = inspect_json(path, "--verify");
    EXPECT_EQ(j["architecture"], "qwen2");
    const auto& h = j["hyperparameters"];
    EXPECT_EQ(h["hidden_size"], 64);
    EXPECT_EQ(h["n_layers"], 3);
    EXPECT_EQ(h["n_kv_heads"], 2);
    EXPECT_EQ(h["ffn_size"], 128);
    EXPECT_EQ(h["vocab_size"], 300);
    EXPECT_EQ(h["attention_bias"], true);
    EXPECT_EQ(h["tied_embeddings"], true);
    // 300x64 embedding (tied, counted once) + norm + 3 x (norms, q/k/v/o + biases, mlp)
    const int per_layer = 2 * 64 + 64 * 64 + 2 * 32 * 64 + 64 + 2 * 32 + 64 * 64 + 3 * 128 * 64;
    EXPECT_EQ(j["parameter_count"], 300 * 64 + 64 + 3 * per_layer);
    EXPECT_TRUE(j["tensor_types"].contains("f16"));
    EXPECT_EQ(j["files"][0]["sha256"].get<std::string>().size(), 64u);
  }
}

// YaRN parameters as read from either format, and the attention factor in
// effect (stated in one model, derived as 0.1 ln(factor) + 1 in the other).
TEST(InspectCli, YarnRopeScaling) {
  TempDir dir;
  for (const std::string out : {"y.gguf", "y-hf"}) {
    for (const bool stated : {false, true}) {
      auto spec = testing::small_model_spec(Architecture::kQwen2, (dir / (std::to_string(stated) + out)).string());
      spec.config.rope_scaling = {
          .type = RopeScalingType::kYarn, .factor = 4.0, .original_context_length = 64, .yarn_beta_fast = 16.0};
      if (stated) spec.config.rope_scaling.yarn_attention_factor = 1.5;
      ASSERT_TRUE(complete_synthetic_spec(spec).ok());
      ASSERT_TRUE(write_synthetic_model(spec).ok());
      const auto r = inspect_json(spec.out_path)["hyperparameters"]["rope_scaling"];
      EXPECT_EQ(r["type"], "yarn") << out;
      EXPECT_EQ(r["factor"], 4.0);
      EXPECT_EQ(r["original_context_length"], 64);
      EXPECT_EQ(r["beta_fast"], 16.0);
      EXPECT_EQ(r["beta_slow"], 1.0);
      EXPECT_EQ(r["truncate"], true);
      EXPECT_NEAR(r["attention_factor"].get<double>(), stated ? 1.5 : 0.1 * std::log(4.0) + 1, 1e-12) << out;
      const auto text = run_command(servir_cmd("inspect '" + spec.out_path + "'"));
      EXPECT_THAT(text.output,
                  HasSubstr("scaling yarn x4 (original context 64, beta fast 16 slow 1, attention factor"));
    }
  }
}

TEST(InspectCli, TextOutput) {
  TempDir dir;
  const auto path = (dir / "m.gguf").string();
  ASSERT_EQ(
      run_command(servir_cmd("testmodel --hidden 32 --layers 1 --heads 2 --ffn 64 --vocab 50 --seed 3 --out " + path))
          .exit_code,
      0);
  const auto result = run_command(servir_cmd("inspect " + path));
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("architecture    llama"));
  EXPECT_THAT(result.output, HasSubstr("hidden 32  layers 1"));
}

TEST(InspectCli, ErrorsGoToStderrWithAnExitStatus) {
  TempDir dir;
  const auto path = (dir / "m.gguf").string();
  ASSERT_EQ(
      run_command(servir_cmd("testmodel --hidden 32 --layers 1 --heads 2 --ffn 64 --vocab 50 --seed 3 --out " + path))
          .exit_code,
      0);
  auto mismatch = run_command(servir_cmd("inspect --sha256 " + std::string(64, 'a') + " " + path + " 2>&1"));
  EXPECT_EQ(mismatch.exit_code, 3) << "integrity failures have their own exit status";
  EXPECT_THAT(mismatch.output, HasSubstr("SHA-256 mismatch"));

  testing::write_file(dir / "broken.gguf", "GGUF\x03\x00\x00\x00");
  auto broken = run_command(servir_cmd("inspect " + (dir / "broken.gguf").string() + " 2>&1"));
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_THAT(broken.output, HasSubstr("broken.gguf"));
  EXPECT_THAT(broken.output, HasSubstr("truncated"));

  testing::write_file(dir / "model.pth", "x");
  auto pickle = run_command(servir_cmd("inspect " + (dir / "model.pth").string() + " 2>&1"));
  EXPECT_EQ(pickle.exit_code, 1);
  EXPECT_THAT(pickle.output, HasSubstr("arbitrary code"));
}

TEST(TestmodelCli, RejectsBadArguments) {
  TempDir dir;
  auto r =
      run_command(servir_cmd("testmodel --arch gpt2 --hidden 32 --layers 1 --heads 2 --ffn 64 --vocab 50 --seed 1 "
                             "--out " +
                             (dir / "x.gguf").string() + " 2>&1"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("architecture 'gpt2' is not supported"));
  r = run_command(servir_cmd("testmodel --hidden 32 --layers 1 --heads 3 --ffn 64 --vocab 50 --seed 1 --out " +
                             (dir / "x.gguf").string() + " 2>&1"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("--hidden 32 is not a multiple of --heads 3"));
  r =
      run_command(servir_cmd("testmodel --hidden 32 --layers 1 --heads 2 --ffn 64 --vocab 50 --type q9_9 --seed 1 "
                             "--out " +
                             (dir / "x.gguf").string() + " 2>&1"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("--type q9_9 is not a type"));
}

TEST(ServeCli, RefusesAMissingOrAbsentModelClearly) {
  auto r = run_command(servir_cmd("serve 2>&1"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("--model is required"));
  r = run_command(servir_cmd("serve --model /nonexistent/model.gguf --port 0 2>&1"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("/nonexistent/model.gguf"));
}

}  // namespace
}  // namespace servir
