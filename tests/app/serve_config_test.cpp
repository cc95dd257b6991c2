// `servir serve --config FILE` (YAML) and SERVIR_* environment variables, as
// an operator uses them: values reach the flags, the command line wins over
// the file and the file over the environment, and a bad file is a clear
// error naming the key or the line.
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/test_paths.h"

namespace servir {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::run_command;
using testing::servir_command;
using testing::shared_path;
using testing::TempDir;

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = (dir.path() / name).string();
  std::ofstream(path) << text;
  return path;
}

// A model path that does not exist shows, in the error, where --model came
// from without loading anything.
TEST(ServeConfig, FileAndEnvironmentSupplyFlagsInOrder) {
  TempDir dir;
  const std::string config = write_file(dir, "serve.yaml", "model: /nonexistent/from-file.gguf\nport: 0\n");
  auto r = run_command(servir_command("serve --config " + config + " 2>&1"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("/nonexistent/from-file.gguf"));

  r = run_command(servir_command("serve --config " + config + " --model /nonexistent/from-cli.gguf 2>&1"));
  EXPECT_THAT(r.output, HasSubstr("/nonexistent/from-cli.gguf"));

  r = run_command("SERVIR_MODEL=/nonexistent/from-env.gguf " + servir_command("serve --port 0 2>&1"));
  EXPECT_THAT(r.output, HasSubstr("/nonexistent/from-env.gguf"));
  // The file comes before the environment (CLI11's order, documented).
  r = run_command("SERVIR_MODEL=/nonexistent/from-env.gguf " + servir_command("serve --config " + config + " 2>&1"));
  EXPECT_THAT(r.output, HasSubstr("/nonexistent/from-file.gguf"));
}

// --kv-cache-dtype has its SERVIR_ variable like every serve flag, and
// --check-config refuses a type the cache cannot hold.
TEST(ServeConfig, KvCacheDtypeComesFromTheEnvironmentAndIsChecked) {
  auto r = run_command("SERVIR_KV_CACHE_DTYPE=q4_0 " +
                       servir_command("serve --model /nonexistent/m.gguf --check-config 2>&1"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--kv-cache-dtype q4_0: expected f16 (auto), bf16, q8_0 or f32"));
  r = run_command("SERVIR_KV_CACHE_DTYPE=q8_0 " +
                  servir_command("serve --model /nonexistent/m.gguf --check-config 2>&1"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("config OK"));
}

TEST(ServeConfig, BadFilesAreClearErrors) {
  TempDir dir;
  const struct {
    const char* yaml;
    const char* message;
  } cases[] = {
      {"model: [a\nport: 1\n", "not valid YAML: line 2"},
      {"modle: x.gguf\n", "'modle' (line 1) is not a flag of 'servir serve'"},
      {"model:\n  path: x.gguf\n", "nested maps are not flags"},
      {"- model\n- x.gguf\n", "must be a map of flag names"},
      {"model: x.gguf\nport: eighty\n", "port"},
      {"--model: x.gguf\n", "without the leading dashes"},
      {"model:\n", "has no value"},
      {"model: x.gguf\napi-key: []\n", "empty list"},
  };
  int i = 0;
  for (const auto& c : cases) {
    const std::string path = write_file(dir, "bad" + std::to_string(i++) + ".yaml", c.yaml);
    const auto r = run_command(servir_command("serve --config " + path + " 2>&1"));
    EXPECT_NE(r.exit_code, 0) << c.yaml;
    EXPECT_THAT(r.output, HasSubstr(c.message)) << c.yaml;
  }
  const auto r = run_command(servir_command("serve --config /nonexistent/serve.yaml 2>&1"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.output, HasSubstr("/nonexistent/serve.yaml"));
}

// A live server configured only by a file: the list of API keys arrives
// whole (a request with the second key passes, one without any is 401).
TEST(ServeConfig, ALiveServerTakesItsKeysFromTheFile) {
  const auto model = shared_path("models/stories260K.gguf");
  if (!std::filesystem::exists(model)) GTEST_SKIP() << "SKIPPED: " << model << " is absent (see ../shared)";
  TempDir dir;
  const std::string config = write_file(
      dir, "serve.yaml", "model: " + model.string() + "\nport: 0\nmax-num-seqs: 2\napi-key: [first-key, second-key]\n");
  const std::string log = (dir.path() / "serve.log").string();
  const std::string script =
      servir_command("serve --config " + config + " > " + log + " 2>&1 &") + " pid=$!; " +
      "for i in $(seq 300); do grep -q 'listening on' " + log + " && break; sleep 0.1; done; " +
      "port=$(sed -n 's/.*listening on http:\\/\\/127.0.0.1:\\([0-9]*\\).*/\\1/p' " + log + " | head -n 1); " +
      "python3 - \"$port\" <<'EOF'\n"
      "import sys, urllib.request, urllib.error\n"
      "url = 'http://127.0.0.1:%s/v1/models' % sys.argv[1]\n"
      "def status(headers):\n"
      "    try:\n"
      "        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10).status\n"
      "    except urllib.error.HTTPError as e:\n"
      "        return e.code\n"
      "print('without key', status({}))\n"
      "print('second key', status({'Authorization': 'Bearer second-key'}))\n"
      "EOF\n"
      "kill -INT $pid; wait $pid";
  const auto r = run_command("bash -c '" + [&] {
    std::string quoted;
    for (char ch : script) quoted += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return quoted;
  }() + "'");
  EXPECT_THAT(r.output, HasSubstr("without key 401"));
  EXPECT_THAT(r.output, HasSubstr("second key 200"));
  EXPECT_THAT(r.output, Not(HasSubstr("Traceback")));
}

}  // namespace
}  // namespace servir
