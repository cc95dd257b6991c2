// The app's side of the Hub (src/hub): `--model hf:ORG/REPO[@REV][:FILE]`
// for every command that runs a model, and the exit statuses `servir pull`
// documents.
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace servir::app {

// Exit statuses of `servir pull` (and of a failed `--model hf:...`).
inline constexpr int kExitIntegrity = 3;  // a SHA-256 or size did not match: nothing was kept
inline constexpr int kExitAuth = 4;       // 401/403: gated or private, HF_TOKEN missing or refused
inline constexpr int kExitNotFound = 5;   // repository, revision or file not found
inline constexpr int kExitNetwork = 6;    // the Hub cannot be reached or a transfer was cut (resumable)

int hub_exit_code(const Status& status);

// `model` unchanged when it is a path; for "hf:..." the cached snapshot (or
// file), pulled first when the cache lacks it. Fails the command (app::fail)
// with hub_exit_code() on error.
std::string resolve_model_argument(const std::string& model);

// The names a server started with --model hf:... answers to: the reference
// itself and the repository's (or the file's) short name.
std::vector<std::string> hub_model_names(const std::string& ref);

}  // namespace servir::app
