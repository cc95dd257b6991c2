// Internal to the hub layer: one libcurl easy handle and what a request
// collects (status and headers of the last response, small bodies), plus
// the small text helpers the client and the blob download share.
#pragma once

#include <curl/curl.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "hub/hub_client.h"
#include "util/check.h"

namespace servir::hub::detail {

constexpr std::size_t kMaxErrorBodyBytes = 4096;

// libcurl wants one global init before any handle, from one thread.
inline void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK); });
}

inline std::string percent_encode(std::string_view text, bool keep_slash) {
  std::string out;
  for (char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    const bool unreserved = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || ch == '-' ||
                            ch == '_' || ch == '.' || ch == '~' || (keep_slash && ch == '/');
    if (unreserved) {
      out.push_back(ch);
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

inline std::string trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// ETag values arrive as "abc" or W/"abc"; the cache names blobs by abc.
inline std::string normalize_etag(std::string_view etag) {
  std::string value = trim(etag);
  if (value.starts_with("W/")) value.erase(0, 2);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  return value;
}

// One curl easy handle plus what a request collects: the status line and
// headers of the last response (a redirect's are replaced by the target's).
struct CurlHandle {
  CURL* handle = nullptr;
  long status = 0;
  std::map<std::string, std::string> headers;  // lower-case names, last response
  std::string body;                            // small bodies (JSON, error text)
  std::size_t body_limit = 0;
  bool body_too_large = false;

  CurlHandle() {
    init_curl_once();
    handle = curl_easy_init();
    CHECK(handle != nullptr) << "curl_easy_init failed";
  }
  ~CurlHandle() { curl_easy_cleanup(handle); }

  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* self_ptr) {
    auto* self = static_cast<CurlHandle*>(self_ptr);
    const std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
      // A new response (after a redirect or a 100 Continue): forget the old one.
      self->headers.clear();
      const std::size_t space = line.find(' ');
      self->status = space == std::string_view::npos ? 0 : std::atol(std::string(line.substr(space + 1, 3)).c_str());
    } else if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
      std::string name(line.substr(0, colon));
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      self->headers[name] = trim(line.substr(colon + 1));
    }
    return size * count;
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self_ptr) {
    auto* self = static_cast<CurlHandle*>(self_ptr);
    const std::size_t n = size * count;
    if (self->body.size() + n > self->body_limit) {
      self->body_too_large = true;
      return 0;  // aborts the transfer
    }
    self->body.append(data, n);
    return n;
  }

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }

  // Options every request shares; `follow` redirects or not (HEAD reads the
  // redirect itself, as huggingface_hub does, to see the Hub's headers).
  void reset(const HubOptions& options, const std::string& url, bool follow, curl_slist* request_headers) {
    curl_easy_reset(handle);
    status = 0;
    headers.clear();
    body.clear();
    body_too_large = false;
    curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
    curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "servir/0.1.0; libcurl");
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_s);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, options.stall_timeout_s);
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &CurlHandle::on_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, request_headers);
  }
};

// Request headers: the token (libcurl does not forward a custom
// Authorization header to another host on a redirect, so the storage host
// never sees it) and, for downloads, the range to resume from.
struct HeaderList {
  curl_slist* list = nullptr;
  ~HeaderList() { curl_slist_free_all(list); }
  void add(const std::string& line) { list = curl_slist_append(list, line.c_str()); }
};

inline void add_common_headers(HeaderList& headers, const HubOptions& options) {
  if (!options.token.empty()) headers.add("Authorization: Bearer " + options.token);
  // Sizes and digests are of the stored bytes: no transfer compression.
  headers.add("Accept-Encoding: identity");
}

}  // namespace servir::hub::detail
