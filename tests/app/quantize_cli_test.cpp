// `servir quantize` driven as a user drives it: outputs that load and run,
// refusal to overwrite without --force, IN == OUT and requantizing refused,
// no temporary file left behind, --dry-run writing nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "testing/test_paths.h"

namespace servir {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::run_command;

std::string servir_cmd(const std::string& args) { return testing::servir_command(args); }
std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

TEST(QuantizeCli, WritesRefusesAndForces) {
  const auto model = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(model);
  testing::TempDir dir;
  const fs::path out = dir / "s-q8.gguf";
  auto r = run_command(servir_cmd("quantize " + q(model) + " " + q(out) + " --type q8_0"), true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("bits per weight"));
  EXPECT_THAT(r.output, HasSubstr("[   1/48] token_embd.weight"));  // one plain line per tensor off a terminal
  const auto size = fs::file_size(out);
  const auto mtime = fs::last_write_time(out);

  r = run_command(servir_cmd("quantize " + q(model) + " " + q(out) + " --type q4_0"), true);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("pass --force"));
  EXPECT_EQ(fs::file_size(out), size);
  EXPECT_EQ(fs::last_write_time(out), mtime);

  r = run_command(servir_cmd("quantize " + q(model) + " " + q(out) + " --type q4_0 --force --quiet"), true);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, ::testing::Not(HasSubstr("token_embd.weight")));
  EXPECT_LT(fs::file_size(out), size);

  // Atomic: nothing but the output in the folder (no temporary sibling left).
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);

  r = run_command(servir_cmd("run -m " + q(out) + " -p 'Once upon a time' -n 8 --temp 0"), true);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(QuantizeCli, RefusedCases) {
  const auto model = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(model);
  testing::TempDir dir;
  fs::copy_file(model, dir / "in.gguf");
  auto r = run_command(servir_cmd("quantize " + q(dir / "in.gguf") + " " + q(dir / "in.gguf") + " --type q8_0 --force"),
                       true);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("same file"));

  r = run_command(servir_cmd("quantize " + q(model) + " " + q(dir / "x.gguf") + " --type q3_k_xl"), true);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("q4_k_m"));
  EXPECT_FALSE(fs::exists(dir / "x.gguf"));

  ASSERT_EQ(
      run_command(servir_cmd("quantize --quiet " + q(model) + " " + q(dir / "q8.gguf") + " --type q8_0")).exit_code, 0);
  r = run_command(servir_cmd("quantize " + q(dir / "q8.gguf") + " " + q(dir / "q4.gguf") + " --type q4_0"), true);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("--allow-requantize"));
  EXPECT_FALSE(fs::exists(dir / "q4.gguf"));
  r = run_command(servir_cmd("quantize --quiet --allow-requantize " + q(dir / "q8.gguf") + " " + q(dir / "q4.gguf") +
                             " --type q4_0"),
                  true);
  EXPECT_EQ(r.exit_code, 0) << r.output;

  r = run_command(servir_cmd("quantize --dry-run " + q(model) + " " + q(dir / "plan.gguf") + " --type q4_k_m"), true);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("output.weight"));
  EXPECT_THAT(r.output, HasSubstr("q8_0"));  // output rule, rows of 64
  EXPECT_FALSE(fs::exists(dir / "plan.gguf"));
}

TEST(QuantizeCli, HfFolderGgufGreedyTextMatchesTheFolder) {
  const auto folder = testing::shared_path("models/tinystories-656k");
  SKIP_WITHOUT_SHARED(folder);
  testing::TempDir dir;
  const fs::path out = dir / "ts-f16.gguf";
  auto r = run_command(servir_cmd("quantize --quiet " + q(folder) + " " + q(out) + " --type f16"), true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string gen = " -p 'Once upon a time' -n 24 --temp 0";
  auto from_gguf = run_command(servir_cmd("run -m " + q(out) + gen));
  auto from_folder = run_command(servir_cmd("run -m " + q(folder) + gen));
  EXPECT_EQ(from_gguf.exit_code, 0);
  EXPECT_FALSE(from_gguf.output.empty());
  EXPECT_EQ(from_gguf.output, from_folder.output);
  r = run_command(servir_cmd("quantize --quiet " + q(folder) + " " + q(dir / "q4km.gguf") + " --type q4_k_m"), true);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(run_command(servir_cmd("run -m " + q(dir / "q4km.gguf") + gen)).exit_code, 0);
}

TEST(QuantizeCli, TestmodelVocabFromTokenizerJsonIntoGguf) {
  const auto tokenizer = testing::shared_path("testdata/tokenizers/llama3/tokenizer.json");
  SKIP_WITHOUT_SHARED(tokenizer);
  testing::TempDir dir;
  const fs::path out = dir / "m.gguf";
  auto r = run_command(servir_cmd("testmodel --hidden 64 --layers 1 --heads 4 --ffn 128 --seed 1 --vocab-from " +
                                  q(tokenizer) + " --out " + q(out)),
                       true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_command(servir_cmd("tokenize --ids --model " + q(out) + " 'Hello world'"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("9906 1917\n"));
  EXPECT_EQ(r.output, run_command(servir_cmd("tokenize --ids --model " + q(tokenizer) + " 'Hello world'")).output);
}

}  // namespace
}  // namespace servir
