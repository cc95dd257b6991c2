// `servir pull hf:ORG/REPO[@REVISION][:FILE] [--include GLOB]... [--jobs N]
//              [--hf-endpoint URL] [--sha256 HEX] [--plain]`
//
// Downloads into the huggingface_hub cache (src/hub/hub_cache.h) and prints
// the local path (the snapshot folder, or the file) on stdout, so
// `servir serve --model "$(servir pull hf:...)"` works as well as
// `--model hf:...` itself.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/hub_model.h"
#include "app/pull_progress.h"
#include "formats/integrity.h"
#include "hub/hub_cache.h"
#include "hub/model_source.h"
#include "hub/snapshot_pull.h"

namespace servir::app {
namespace {

struct PullFlags {
  std::string ref;
  std::vector<std::string> include;
  int jobs = 4;
  std::string endpoint;
  std::string sha256;
  bool plain = false;
};

constexpr const char* kPullFooter = R"(
Cache: $HF_HOME/hub (default ~/.cache/huggingface/hub; HF_HUB_CACHE overrides),
laid out as huggingface_hub lays it out, so files either tool downloaded are reused.
Environment: HF_ENDPOINT (or --hf-endpoint), HF_TOKEN (sent as Authorization: Bearer),
HF_HOME, HF_HUB_OFFLINE=1 (no network: prints the cached path, or fails with 5 when it is incomplete).
An interrupted download resumes where it stopped on the next run.

Exit status:
  0  every file is in the cache, verified (SHA-256 for LFS files, git blob id for the others)
  1  bad arguments or another error
  3  integrity: a file's SHA-256 or size does not match the Hub's (the data was deleted), or --sha256
  4  HTTP 401/403: the repository is gated or private; set HF_TOKEN
  5  not found: repository, revision or file
  6  network: the Hub cannot be reached, or a transfer was cut (run again to resume)
)";

void run_pull(const PullFlags& f) {
  auto ref = hub::parse_hub_ref(f.ref);
  if (!ref) fail(ref.status().message());
  if (ref->file && !f.include.empty()) fail("--include does not go with a single-file reference (:FILE)");
  if (f.jobs < 1 || f.jobs > 64) fail("--jobs must be in 1..64");
  hub::PullRequest request{.ref = *ref, .include_globs = f.include, .jobs = f.jobs, .expected_sha256 = std::nullopt};
  if (!f.sha256.empty()) {
    auto hex = normalize_sha256_hex(f.sha256);
    if (!hex) fail(fmt::format("--sha256: {}", hex.status().message()));
    request.expected_sha256 = *hex;
  }
  hub::HubOptions options = hub::hub_options_from_env();
  if (!f.endpoint.empty()) options.endpoint = f.endpoint;
  const auto hub_dir = hub::default_hub_cache_dir();
  if (options.offline) {
    // As huggingface_hub's snapshot_download: offline, the cached snapshot
    // is the answer when it is complete, and an error otherwise.
    auto cached = f.include.empty() ? hub::find_cached_model(hub_dir, *ref) : std::nullopt;
    if (!cached) {
      fail(fmt::format("pull {}: HF_HUB_OFFLINE is set and the cache {} does not hold it complete", f.ref,
                       hub_dir.string()),
           kExitNotFound);
    }
    fmt::print("{}\n", cached->string());
    return;
  }
  PullProgress progress(!f.plain && ::isatty(STDERR_FILENO) == 1);
  const auto started = std::chrono::steady_clock::now();
  auto result = hub::pull_snapshot(options, hub_dir, request, &progress);
  if (!result) fail(fmt::format("pull {}: {}", f.ref, result.status().message()), hub_exit_code(result.status()));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const double mib = static_cast<double>(result->bytes_transferred) / (1 << 20);
  fmt::print(
      stderr,
      "servir: {} at commit {}: {} file(s), {} downloaded ({:.1f} MiB in {:.2f} s, {:.1f} MiB/s), {} from the cache\n",
      ref->to_string(), result->commit, result->files, result->files_downloaded, mib, seconds,
      seconds > 0 ? mib / seconds : 0.0, result->files - result->files_downloaded);
  fmt::print("{}\n", result->model_path.string());
}

}  // namespace

void register_pull_command(CLI::App& app) {
  static PullFlags f;
  auto* cmd = app.add_subcommand("pull", "Download a model from the Hugging Face Hub into the shared cache, verified");
  cmd->add_option("ref", f.ref,
                  "hf:ORG/REPO[@REVISION] (safetensors, JSON and tokenizer files) or hf:ORG/REPO[@REVISION]:FILE")
      ->required();
  cmd->add_option("--include", f.include, "Download the files matching this glob instead (repeatable; '*' crosses '/')")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("-j,--jobs", f.jobs, "Files downloaded at once")->capture_default_str();
  cmd->add_option("--hf-endpoint", f.endpoint, "Hub endpoint (default: HF_ENDPOINT, else https://huggingface.co)");
  cmd->add_option("--sha256", f.sha256, "Expected SHA-256 of a single-file reference (refused when the Hub's differs)");
  cmd->add_flag("--plain", f.plain, "Plain progress lines even on a terminal");
  cmd->footer(kPullFooter);
  cmd->callback([] { run_pull(f); });
}

}  // namespace servir::app
