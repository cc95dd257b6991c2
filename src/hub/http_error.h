// The one place that turns a failed Hub request into a Status a user can
// act on. The Hub names the cause in X-Error-Code (RepoNotFound,
// RevisionNotFound, EntryNotFound, GatedRepo) and X-Error-Message; without
// them the HTTP status decides.
//
//   401/403 (gated, private)      kUnauthenticated: says to set HF_TOKEN, and whether one was sent
//   RepoNotFound (401 or 404)     kNotFound: the repository (private ones look the same without a token)
//   RevisionNotFound / 404        kNotFound: the revision, or the file
//   connection failures           kUnavailable: the endpoint cannot be reached
#pragma once

#include <string>

#include "util/status.h"

namespace servir::hub {

struct RequestContext {
  std::string endpoint;
  std::string repo_id;
  std::string revision;
  std::string file;  // empty for repository-level calls
  bool token_sent = false;
};

Status http_error(const RequestContext& context, long http_status, const std::string& error_code,
                  const std::string& error_message);

// A libcurl failure (no HTTP answer). `curl_code` is a CURLcode.
Status transport_error(const RequestContext& context, const std::string& what, int curl_code);

}  // namespace servir::hub
