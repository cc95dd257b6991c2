// A reference to a model on the Hugging Face Hub, as users type it:
//
//   hf:ORG/REPO                 every *.safetensors, *.json and tokenizer.model at "main"
//   hf:ORG/REPO@REVISION        the same at a branch, tag or 40-hex commit
//   hf:ORG/REPO[@REVISION]:FILE one file (a .gguf), e.g. hf:org/x-GGUF:x-q4_k_m.gguf
//
// The repository id follows the Hub's rules (letters, digits, '-', '_', '.';
// exactly one '/'); the revision may hold '/' (refs/pr/1) and is
// percent-encoded wherever it enters a URL.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace servir::hub {

inline constexpr std::string_view kHubRefPrefix = "hf:";

struct HubRef {
  std::string repo_id;              // "ORG/REPO"
  std::string revision = "main";    // branch, tag or commit
  std::optional<std::string> file;  // one file only (":FILE")

  // "hf:ORG/REPO@REV:FILE" again, for messages.
  std::string to_string() const;
};

// True when `text` starts with "hf:" (a Hub reference rather than a path).
bool is_hub_ref(std::string_view text);

Result<HubRef> parse_hub_ref(std::string_view text);

// A revision that is a full commit id (40 lower-case hex digits) names a
// snapshot by itself; anything else is looked up in refs/.
bool is_commit_hash(std::string_view revision);

// A path inside a repository that is safe to create under a snapshot
// folder: relative, '/'-separated, no empty, "." or ".." component, no
// backslash or control character, at most 1024 bytes.
bool is_safe_repo_path(std::string_view path);

}  // namespace servir::hub
