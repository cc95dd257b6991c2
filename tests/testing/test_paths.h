// Where tests find reference data and scratch space.
#pragma once

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace servir::testing {

// ../shared beside the repository (SERVIR_SHARED_DIR overrides). Tests that
// need it call SKIP_WITHOUT_SHARED(path) so a missing file is reported as
// SKIPPED with the path, never as a silent pass.
std::filesystem::path shared_dir();
std::filesystem::path shared_path(const std::string& relative);

// The repository root (scripts such as tests/reference/*.py live there).
std::filesystem::path source_dir();

// The built `servir` binary: SERVIR_BINARY if set (the e2e suite's CTest
// entry sets it), else `servir` in the build folder.
std::filesystem::path servir_binary();

// "<servir binary> <args>", for run_command.
std::string servir_command(const std::string& args);

// A fresh empty folder, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Runs a shell command, returns exit status and captured stdout (stderr is
// captured too when merge_stderr).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult run_command(const std::string& command, bool merge_stderr = false);

std::string read_file(const std::filesystem::path& path);
void write_file(const std::filesystem::path& path, const std::string& bytes);

}  // namespace servir::testing

#define SKIP_WITHOUT_SHARED(path)                                                            \
  do {                                                                                       \
    if (!std::filesystem::exists(path)) GTEST_SKIP() << "reference data absent: " << (path); \
  } while (0)
