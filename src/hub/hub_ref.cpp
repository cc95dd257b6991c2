#include "hub/hub_ref.h"

#include <fmt/format.h>

namespace servir::hub {
namespace {

bool is_repo_name_char(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
         ch == '.';
}

// One half of "ORG/REPO": the Hub allows 1..96 of [A-Za-z0-9-_.], not
// starting or ending with '-' or '.', and no "--" or ".." (which would also
// make the cache folder name "models--ORG--REPO" ambiguous).
bool is_repo_name(std::string_view name) {
  if (name.empty() || name.size() > 96) return false;
  for (char ch : name) {
    if (!is_repo_name_char(ch)) return false;
  }
  if (name.front() == '-' || name.front() == '.' || name.back() == '-' || name.back() == '.') return false;
  return name.find("--") == std::string_view::npos && name.find("..") == std::string_view::npos;
}

bool is_revision(std::string_view revision) {
  if (revision.empty() || revision.size() > 256) return false;
  for (char ch : revision) {
    const auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f || ch == ' ' || ch == '\\' || ch == ':' || ch == '@') return false;
  }
  // A revision names a file under refs/: it must not climb out of it.
  return is_safe_repo_path(revision);
}

}  // namespace

std::string HubRef::to_string() const {
  std::string out = fmt::format("hf:{}", repo_id);
  if (revision != "main") out += "@" + revision;
  if (file) out += ":" + *file;
  return out;
}

bool is_hub_ref(std::string_view text) { return text.starts_with(kHubRefPrefix); }

bool is_commit_hash(std::string_view revision) {
  if (revision.size() != 40) return false;
  for (char ch : revision) {
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) return false;
  }
  return true;
}

bool is_safe_repo_path(std::string_view path) {
  if (path.empty() || path.size() > 1024 || path.front() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char ch : part) {
      const auto u = static_cast<unsigned char>(ch);
      if (u < 0x20 || u == 0x7f || ch == '\\') return false;
    }
    start = slash + 1;
  }
  return true;
}

Result<HubRef> parse_hub_ref(std::string_view text) {
  const std::string original(text);
  auto bad = [&](std::string_view why) {
    return make_error(ErrorCode::kInvalidArgument,
                      "'{}' is not a Hub reference ({}); expected hf:ORG/REPO[@REVISION][:FILE]", original, why);
  };
  if (!is_hub_ref(text)) return bad("it must start with hf:");
  text.remove_prefix(kHubRefPrefix.size());
  HubRef ref;
  // The repository ends at the first '@' or ':'; then an optional
  // "@REVISION" up to the next ':'; the rest is the file.
  const std::size_t repo_end = std::min(text.find_first_of("@:"), text.size());
  ref.repo_id = std::string(text.substr(0, repo_end));
  text.remove_prefix(repo_end);
  const std::size_t slash = ref.repo_id.find('/');
  if (slash == std::string::npos || ref.repo_id.find('/', slash + 1) != std::string::npos ||
      !is_repo_name(std::string_view(ref.repo_id).substr(0, slash)) ||
      !is_repo_name(std::string_view(ref.repo_id).substr(slash + 1))) {
    return bad("the repository must be ORG/REPO of letters, digits, '-', '_' and '.'");
  }
  if (text.starts_with('@')) {
    text.remove_prefix(1);
    const std::size_t rev_end = std::min(text.find(':'), text.size());
    ref.revision = std::string(text.substr(0, rev_end));
    text.remove_prefix(rev_end);
    if (!is_revision(ref.revision)) return bad("the revision is empty or has a character a ref cannot have");
  }
  if (text.starts_with(':')) {
    text.remove_prefix(1);
    if (!is_safe_repo_path(text)) return bad("the file must be a relative path inside the repository");
    ref.file = std::string(text);
  } else if (!text.empty()) {
    return bad("unexpected text after the repository");
  }
  return ref;
}

}  // namespace servir::hub
