#include "hub/http_error.h"

#include <curl/curl.h>

#include <fmt/format.h>

namespace servir::hub {
namespace {

std::string token_note(const RequestContext& c) {
  return c.token_sent
             ? "a token was sent (HF_TOKEN) but it does not grant access: check it and the repository's access page"
             : "no token was sent: set HF_TOKEN to a token with access";
}

// The Hub's own explanation, when it gave one (bounded: it is untrusted).
std::string hub_says(const std::string& message) {
  if (message.empty()) return "";
  std::string clean;
  for (char ch : message.substr(0, 300)) clean.push_back(static_cast<unsigned char>(ch) < 0x20 ? ' ' : ch);
  return fmt::format(" (the Hub says: {})", clean);
}

}  // namespace

Status http_error(const RequestContext& c, long status, const std::string& code, const std::string& message) {
  const std::string where = fmt::format("{} at {}", c.repo_id, c.endpoint);
  if (code == "GatedRepo" || ((status == 401 || status == 403) && code != "RepoNotFound")) {
    return make_error(ErrorCode::kUnauthenticated, "HTTP {}: {} is gated or private; {}{}", status, where,
                      token_note(c), hub_says(message));
  }
  if (code == "RepoNotFound") {
    return make_error(ErrorCode::kNotFound, "HTTP {}: repository {} not found{}{}", status, where,
                      c.token_sent ? "" : " (if it is private, set HF_TOKEN; no token was sent)", hub_says(message));
  }
  if (code == "RevisionNotFound" || (status == 404 && c.file.empty())) {
    return make_error(ErrorCode::kNotFound, "HTTP {}: revision '{}' not found in {}{}", status, c.revision, where,
                      hub_says(message));
  }
  if (code == "EntryNotFound" || status == 404) {
    return make_error(ErrorCode::kNotFound, "HTTP {}: file '{}' not found in {} at revision '{}'{}", status, c.file,
                      where, c.revision, hub_says(message));
  }
  if (status == 429 || status >= 500) {
    return make_error(ErrorCode::kUnavailable, "HTTP {} from {}{}: try again later", status, where,
                      c.file.empty() ? "" : " for " + c.file, hub_says(message));
  }
  return make_error(ErrorCode::kInternal, "HTTP {} from {}{}{}", status, where, c.file.empty() ? "" : " for " + c.file,
                    hub_says(message));
}

Status transport_error(const RequestContext& c, const std::string& what, int curl_code) {
  switch (static_cast<CURLcode>(curl_code)) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
      return make_error(ErrorCode::kUnavailable, "cannot reach the Hub at {}: {} (no network? HF_ENDPOINT?)",
                        c.endpoint, what);
    default: {
      std::string subject = c.repo_id;
      if (!c.file.empty()) subject = subject.empty() ? c.file : subject + "/" + c.file;
      return make_error(ErrorCode::kUnavailable, "{}: {}", subject, what);
    }
  }
}

}  // namespace servir::hub
