// The commands deployments lean on: `servir serve --check-config` (validate
// a ConfigMap's config without loading a model) and `servir health` (the
// image's HEALTHCHECK: exit 0 on 200, 1 otherwise, 2 on a bad URL).
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/test_paths.h"

namespace servir {
namespace {

using ::testing::HasSubstr;
using testing::run_command;
using testing::servir_command;
using testing::TempDir;

std::string write_file(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = (dir.path() / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(CheckConfig, AcceptsAGoodConfigAndLoadsNothing) {
  TempDir dir;
  const std::string keys = write_file(dir, "keys", "# ops\nkey-one\n");
  const std::string config = write_file(dir, "serve.yaml",
                                        "model: /nonexistent/model.gguf\nport: 8000\nthreads: 2\n"
                                        "api-key-file: " +
                                            keys + "\nshutdown-timeout: 30\nkv-cache-memory: 1GiB\n");
  const auto r = run_command(servir_command("serve --config " + config + " --check-config 2>&1"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("config OK (1 warning)"));
  // A model absent here (mounted only in the pod) is a warning, not an error.
  EXPECT_THAT(r.output, HasSubstr("--model /nonexistent/model.gguf is not on this machine"));
}

TEST(CheckConfig, RefusesWhatStartUpWouldRefuse) {
  TempDir dir;
  const std::string empty_keys = write_file(dir, "keys", "# no key yet\n");
  const struct {
    std::string args;
    const char* message;
  } cases[] = {
      {"--config " + write_file(dir, "a.yaml", "modle: x.gguf\n"), "'modle' (line 1) is not a flag"},
      {"--model x.gguf --port 70000", "--port must be in 0..65535"},
      {"--model x.gguf --kv-cache-memory lots", "lots"},
      {"--model x.gguf --dtype f17", "--dtype f17 is not a quantized type"},
      {"--model x.gguf --tls-cert c.pem", "--tls-cert and --tls-key go together"},
      {"--model x.gguf --api-key-file " + empty_keys, "no keys"},
      {"--model x.gguf --max-num-seqs 0", "--max-num-seqs"},
  };
  for (const auto& c : cases) {
    const auto r = run_command(servir_command("serve " + c.args + " --check-config 2>&1"));
    EXPECT_NE(r.exit_code, 0) << c.args;
    EXPECT_THAT(r.output, HasSubstr(c.message)) << c.args;
  }
}

TEST(Health, ExitsOneWhenNothingAnswers) {
  // Port 1 on loopback: nothing listens there.
  auto r = run_command(servir_command("health --url http://127.0.0.1:1/health --timeout 2 2>&1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("unhealthy"));
  r = run_command("SERVIR_PORT=1 " + servir_command("health --timeout 2 2>&1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("http://127.0.0.1:1/health"));
}

TEST(Health, BadUrlsExitTwo) {
  for (const char* url : {"https://127.0.0.1/health", "127.0.0.1:8000", "http://:80/", "http://h:99999/"}) {
    const auto r = run_command(servir_command(std::string("health --url '") + url + "' 2>&1"));
    EXPECT_EQ(r.exit_code, 2) << url << ": " << r.output;
  }
}

}  // namespace
}  // namespace servir
