// `servir pull`: brings one revision of a Hub repository (or one file of it)
// into the huggingface_hub cache (hub_cache.h), verified.
//
// Which files: REF's ":FILE"; else --include globs (fnmatch, '*' crossing
// '/', as huggingface_hub's allow_patterns); else the top-level *.safetensors,
// *.json, tokenizer.model and chat_template.jinja, what servir loads from a
// folder. Files already in the cache (blob present with the listed size, from
// this tool or another) are linked, not downloaded. The rest download in
// parallel (`jobs` workers, one curl handle each), each under a lock file
// shared with huggingface_hub. refs/<revision> is written when every file is
// in place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hub/download_observer.h"
#include "hub/hub_client.h"
#include "hub/hub_ref.h"

namespace servir::hub {

struct PullRequest {
  HubRef ref;
  std::vector<std::string> include_globs;
  int jobs = 4;
  std::optional<std::string> expected_sha256;  // pins a single-file REF's content
};

struct PullResult {
  std::string commit;
  std::filesystem::path snapshot_dir;
  std::filesystem::path model_path;  // the snapshot folder, or the file for a ":FILE" REF
  std::size_t files = 0;
  std::size_t files_downloaded = 0;
  std::uint64_t bytes_transferred = 0;
};

// True when `path` is picked by the default set (no --include, no :FILE).
bool default_pull_selects(const std::string& path);
// fnmatch without FNM_PATHNAME: '*' matches '/' too.
bool glob_matches(const std::string& glob, const std::string& path);

Result<PullResult> pull_snapshot(const HubOptions& options, const std::filesystem::path& hub_dir,
                                 const PullRequest& request, DownloadObserver* observer);

}  // namespace servir::hub
