#include "hub/hub_client.h"

#include <curl/curl.h>

#include <cstdlib>

#include <fmt/format.h>

#include "hub/curl_handle.h"
#include "hub/http_error.h"
#include "hub/hub_ref.h"

namespace servir::hub {
using detail::add_common_headers;
using detail::HeaderList;
using detail::normalize_etag;
using detail::percent_encode;
namespace {

bool env_flag(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return false;
  const std::string v(value);
  return v == "1" || v == "ON" || v == "on" || v == "true" || v == "TRUE" || v == "yes" || v == "YES";
}

Status offline_error(const std::string& what) {
  return make_error(ErrorCode::kUnavailable, "HF_HUB_OFFLINE is set: not fetching {}", what);
}

}  // namespace

HubOptions hub_options_from_env() {
  HubOptions options;
  if (const char* endpoint = std::getenv("HF_ENDPOINT"); endpoint != nullptr && *endpoint != '\0') {
    options.endpoint = endpoint;
  }
  for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"}) {
    if (const char* token = std::getenv(name); token != nullptr && *token != '\0') {
      options.token = token;
      break;
    }
  }
  options.offline = env_flag("HF_HUB_OFFLINE");
  return options;
}

HubClient::HubClient(HubOptions options) : options_(std::move(options)), curl_(std::make_unique<detail::CurlHandle>()) {
  while (options_.endpoint.ends_with('/')) options_.endpoint.pop_back();
}
HubClient::HubClient(HubClient&&) noexcept = default;
HubClient& HubClient::operator=(HubClient&&) noexcept = default;
HubClient::~HubClient() = default;

std::string HubClient::resolve_url(const std::string& repo_id, const std::string& revision,
                                   const std::string& file) const {
  return fmt::format("{}/{}/resolve/{}/{}", options_.endpoint, repo_id, percent_encode(revision, false),
                     percent_encode(file, true));
}

Result<RepoRevision> HubClient::fetch_revision(const std::string& repo_id, const std::string& revision) {
  const RequestContext context{
      .endpoint = options_.endpoint, .repo_id = repo_id, .revision = revision, .token_sent = !options_.token.empty()};
  if (options_.offline) return offline_error(fmt::format("the file list of {}", repo_id));
  const std::string url = fmt::format("{}/api/models/{}/revision/{}?blobs=True", options_.endpoint, repo_id,
                                      percent_encode(revision, false));
  HeaderList headers;
  add_common_headers(headers, options_);
  detail::CurlHandle& c = *curl_;
  c.reset(options_, url, /*follow=*/true, headers.list);
  c.body_limit = kMaxListingBytes;
  curl_easy_setopt(c.handle, CURLOPT_WRITEFUNCTION, &detail::CurlHandle::on_body);
  curl_easy_setopt(c.handle, CURLOPT_WRITEDATA, &c);
  const CURLcode rc = curl_easy_perform(c.handle);
  if (c.body_too_large) {
    return make_error(ErrorCode::kResourceExhausted, "{}: the Hub's file list is over {} bytes", repo_id,
                      kMaxListingBytes);
  }
  if (rc != CURLE_OK) return transport_error(context, curl_easy_strerror(rc), rc);
  if (c.status != 200) return http_error(context, c.status, c.header("x-error-code"), c.header("x-error-message"));
  auto listing = parse_repo_revision(c.body);
  if (!listing) return std::move(listing).status().with_prefix(fmt::format("{}@{}", repo_id, revision));
  return listing;
}

Result<FileMetadata> HubClient::fetch_file_metadata(const std::string& repo_id, const std::string& revision,
                                                    const std::string& file) {
  const RequestContext context{.endpoint = options_.endpoint,
                               .repo_id = repo_id,
                               .revision = revision,
                               .file = file,
                               .token_sent = !options_.token.empty()};
  if (options_.offline) return offline_error(fmt::format("the metadata of {}", file));
  HeaderList headers;
  add_common_headers(headers, options_);
  detail::CurlHandle& c = *curl_;
  c.reset(options_, resolve_url(repo_id, revision, file), /*follow=*/false, headers.list);
  curl_easy_setopt(c.handle, CURLOPT_NOBODY, 1L);
  const CURLcode rc = curl_easy_perform(c.handle);
  if (rc != CURLE_OK) return transport_error(context, curl_easy_strerror(rc), rc);
  if (c.status >= 400) return http_error(context, c.status, c.header("x-error-code"), c.header("x-error-message"));
  FileMetadata meta;
  meta.commit = c.header("x-repo-commit");
  const std::string linked = c.header("x-linked-etag");
  meta.etag = normalize_etag(linked.empty() ? c.header("etag") : linked);
  meta.lfs = !linked.empty();
  const std::string size = c.header("x-linked-size").empty() ? c.header("content-length") : c.header("x-linked-size");
  if (!size.empty()) meta.size = std::strtoull(size.c_str(), nullptr, 10);
  if (meta.etag.empty() || !is_safe_repo_path(meta.etag) || meta.etag.find('/') != std::string::npos) {
    return make_error(ErrorCode::kCorruptData, "{}: the Hub sent no usable ETag for {}", repo_id, file);
  }
  return meta;
}

}  // namespace servir::hub
