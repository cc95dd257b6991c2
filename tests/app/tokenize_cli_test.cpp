// `servir tokenize` / `servir detokenize` driven as a user drives them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/test_paths.h"

namespace servir {
namespace {

using ::testing::HasSubstr;
using testing::run_command;

std::string servir_cmd(const std::string& args) { return testing::servir_command(args); }

TEST(TokenizeCli, IdsAndPiecesFromTokenizerJson) {
  const auto model = testing::shared_path("testdata/tokenizers/llama3");
  SKIP_WITHOUT_SHARED(model);
  auto r = run_command(servir_cmd("tokenize --ids --model '" + model.string() + "' 'Hello world'"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "9906 1917\n");
  r = run_command(servir_cmd("tokenize --model '" + (model / "tokenizer.json").string() + "' ' Hello world'"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "22691\t Hello\n1917\t world\n");
  r = run_command(servir_cmd("tokenize --ids --special --model '" + model.string() + "' '<|eot_id|>'"));
  EXPECT_EQ(r.output, "128009\n");
}

TEST(TokenizeCli, GgufBosFlagsAndDetokenize) {
  const auto model = testing::shared_path("testdata/vocab/ggml-vocab-llama-spm.gguf");
  SKIP_WITHOUT_SHARED(model);
  const std::string m = " --model '" + model.string() + "' ";
  auto r = run_command(servir_cmd("tokenize --ids" + m + "'Hello world'"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "1 15043 3186\n");
  r = run_command(servir_cmd("tokenize --ids --no-bos" + m + "'Hello world'"));
  EXPECT_EQ(r.output, "15043 3186\n");
  r = run_command(servir_cmd("detokenize" + m + "1 15043 3186"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "<s> Hello world");
  r = run_command(servir_cmd("detokenize --skip-special" + m + "1 15043 3186"));
  EXPECT_EQ(r.output, "Hello world");
}

TEST(TokenizeCli, FileInputAndErrors) {
  const auto model = testing::shared_path("testdata/tokenizers/gpt2-hf");
  SKIP_WITHOUT_SHARED(model);
  testing::TempDir dir;
  testing::write_file(dir / "in.txt", "Hello\n");
  auto r =
      run_command(servir_cmd("tokenize --model '" + model.string() + "' --file '" + (dir / "in.txt").string() + "'"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "15496\tHello\n198\t\\n\n");
  r = run_command(servir_cmd("detokenize --model '" + model.string() + "' 99999999"), true);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("out of range"));
  r = run_command(servir_cmd("tokenize --model /nonexistent/model.gguf hi"), true);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("/nonexistent/model.gguf"));
}

}  // namespace
}  // namespace servir
