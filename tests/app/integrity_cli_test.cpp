// Integrity at load for the commands that run a model (`run`, `serve`,
// `bench`, `perplexity`): --sha256, --manifest and --verify hash the weight
// files before anything is mapped for compute, and a mismatch refuses to
// start with exit status 3 (1 stays for every other failure), so a
// deployment script can tell a tampered or truncated model from a typo.
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "formats/integrity.h"
#include "testing/test_paths.h"

namespace servir {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::run_command;
using testing::servir_command;
using testing::TempDir;

class IntegrityCli : public ::testing::Test {
 protected:
  // A real model (with a tokenizer, so `run` can print text), copied so the
  // manifests written beside it stay in a temporary folder.
  void SetUp() override {
    const auto source = testing::shared_path("models/stories260K.gguf");
    SKIP_WITHOUT_SHARED(source);
    model_ = (dir_.path() / "m.gguf").string();
    std::filesystem::copy_file(source, model_);
    auto digest = sha256_file(model_);
    ASSERT_TRUE(digest.ok()) << digest.status().to_string();
    digest_ = *digest;
  }

  std::string write_manifest(const std::string& name, const std::string& digest) {
    const std::string path = (dir_.path() / name).string();
    std::ofstream(path) << digest << "  m.gguf\n";
    return path;
  }

  TempDir dir_;
  std::string model_;
  std::string digest_;
};

TEST_F(IntegrityCli, RunChecksTheDigestBeforeGenerating) {
  const std::string wrong(64, 'b');
  auto r = run_command(servir_command("run -m " + model_ + " --sha256 " + wrong + " -n 2 --temp 0 2>&1"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("SHA-256 mismatch"));
  EXPECT_THAT(r.output, HasSubstr(wrong));

  r = run_command(servir_command("run -m " + model_ + " --sha256 " + digest_ + " -n 2 --temp 0 --json 2>&1"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("\"text\":\"Once upon\""));

  // A malformed digest is a usage error, not an integrity failure.
  r = run_command(servir_command("run -m " + model_ + " --sha256 xyz -n 2 2>&1"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--sha256"));
}

TEST_F(IntegrityCli, ManifestsBesideTheModelAndNamedOnes) {
  // --verify finds "<file>.sha256" beside the model.
  write_manifest("m.gguf.sha256", digest_);
  auto r = run_command(servir_command("run -m " + model_ + " --verify -n 1 --temp 0 2>&1"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  write_manifest("m.gguf.sha256", std::string(64, 'c'));
  r = run_command(servir_command("run -m " + model_ + " --verify -n 1 --temp 0 2>&1"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("SHA-256 mismatch"));
  // Without --verify nothing is hashed: the stale manifest is not read.
  r = run_command(servir_command("run -m " + model_ + " -n 1 --temp 0 2>&1"));
  EXPECT_EQ(r.exit_code, 0) << r.output;

  const std::string named = write_manifest("SUMS", digest_);
  r = run_command(servir_command("bench -m " + model_ + " --manifest " + named + " -p 8 -n 2 -r 1 2>&1"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const std::string bad = write_manifest("BADSUMS", std::string(64, 'd'));
  r = run_command(servir_command("bench -m " + model_ + " --manifest " + bad + " -p 8 -n 2 -r 1 2>&1"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
}

TEST_F(IntegrityCli, ServeRefusesToStartOnAMismatch) {
  auto r = run_command(servir_command("serve -m " + model_ + " --port 0 --sha256 " + std::string(64, 'e') + " 2>&1"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("SHA-256 mismatch"));
  EXPECT_THAT(r.output, HasSubstr("refusing to load"));

  r = run_command(servir_command("serve -m " + model_ + " --sha256 nothex --check-config 2>&1"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--sha256"));
  r = run_command(servir_command("serve -m " + model_ + " --sha256 " + digest_ + " --check-config 2>&1"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace
}  // namespace servir
