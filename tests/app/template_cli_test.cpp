// `servir template render` as a user runs it: exact bytes on stdout, errors
// on stderr with exit status 1.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_paths.h"

namespace servir {
namespace {

using ::testing::HasSubstr;
using testing::run_command;
using testing::TempDir;

std::string servir_cmd(const std::string& args) { return testing::servir_command(args); }

TEST(TemplateCli, RendersAGoldenByteForByte) {
  const auto golden = testing::shared_path("testdata/chat-templates/goldens/Qwen-Qwen3-0.6B/system_multi_turn.json");
  const auto templ = testing::shared_path("testdata/chat-templates/templates/Qwen-Qwen3-0.6B.jinja");
  SKIP_WITHOUT_SHARED(golden);
  SKIP_WITHOUT_SHARED(templ);
  const auto g = nlohmann::ordered_json::parse(testing::read_file(golden));
  TempDir dir;
  testing::write_file(dir / "ctx.json", g["context"].dump());
  const auto r = run_command(servir_cmd("template render --template '" + templ.string() + "' --context '" +
                                        (dir / "ctx.json").string() + "' --now '2026-11-21 10:30:00'"));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, g["expected"].get<std::string>()) << "no added newline, exact bytes";
}

TEST(TemplateCli, FromATokenizerConfigAndFromAGguf) {
  TempDir dir;
  testing::write_file(dir / "tokenizer_config.json",
                      R"({"chat_template": [{"name": "default", "template": "D{{ messages[0].content }}"},
                                            {"name": "tool_use", "template": "T"}]})");
  testing::write_file(dir / "ctx.json", R"({"messages": [{"role": "user", "content": "hi"}]})");
  auto r = run_command(
      servir_cmd("template render --model " + dir.path().string() + " --context " + (dir / "ctx.json").string()));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "Dhi");
  r = run_command(servir_cmd("template render --model " + dir.path().string() + " --name tool_use --context " +
                             (dir / "ctx.json").string()));
  EXPECT_EQ(r.output, "T");

  // A GGUF's tokenizer.chat_template (a testmodel with a vocab file copied in).
  const auto vocab = testing::shared_path("testdata/vocab/ggml-vocab-llama-spm.gguf");
  SKIP_WITHOUT_SHARED(vocab);
  r = run_command(
      servir_cmd("template render --model " + vocab.string() + " --context " + (dir / "ctx.json").string() + " 2>&1"));
  // The llama-spm vocab file carries no template: a clear error, not a crash.
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("tokenizer.chat_template"));
}

TEST(TemplateCli, RaiseExceptionFailsWithTheMessage) {
  TempDir dir;
  testing::write_file(dir / "t.jinja", "line one\n{{ raise_exception('no system role here') }}");
  testing::write_file(dir / "ctx.json", "{}");
  const auto r = run_command(servir_cmd("template render --template " + (dir / "t.jinja").string() + " --context " +
                                        (dir / "ctx.json").string() + " 2>&1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("no system role here"));
  EXPECT_THAT(r.output, HasSubstr("line 2"));
}

TEST(TemplateCli, BadContextIsAClearError) {
  TempDir dir;
  testing::write_file(dir / "t.jinja", "x");
  testing::write_file(dir / "ctx.json", "[1, 2");
  const auto r = run_command(servir_cmd("template render --template " + (dir / "t.jinja").string() + " --context " +
                                        (dir / "ctx.json").string() + " 2>&1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("not a JSON object"));
}

}  // namespace
}  // namespace servir
