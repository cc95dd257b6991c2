// The target of `servir loadtest`: an http:// URL and the API paths under it.
//
// Accepted: http://HOST[:PORT][/PATH] with HOST a name, an IPv4 address or
// a bracketed IPv6 address; PORT defaults to 80. PATH may be empty, the
// OpenAI base ("/v1", or "/prefix/v1" behind a proxy), or a full endpoint
// ("/v1/chat/completions", "/v1/completions"), so both the base URL an SDK
// takes and the URL curl posts to work. Refused with a message: other
// schemes (https is not supported), user info, query strings, fragments,
// bad ports, empty hosts. Header-only for the unit tests.
#pragma once

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace servir::app {

enum class LoadtestEndpoint { kChat, kCompletions };

struct LoadtestUrl {
  std::string host;  // without brackets for IPv6
  std::uint16_t port = 80;
  std::string api_root;                          // "/v1" or "/prefix/v1": /models lives here
  std::string endpoint_path;                     // empty unless the URL named a full endpoint
  std::optional<LoadtestEndpoint> url_endpoint;  // which one it named

  // "host:port" for the Host header (IPv6 bracketed).
  std::string host_header() const {
    const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return port == 80 ? h : h + ":" + std::to_string(port);
  }
  // The path requests go to: the URL's own endpoint, else the chosen one.
  std::string path_for(LoadtestEndpoint endpoint) const {
    if (!endpoint_path.empty()) return endpoint_path;
    return api_root + (endpoint == LoadtestEndpoint::kChat ? "/chat/completions" : "/completions");
  }
};

inline Result<LoadtestUrl> parse_loadtest_url(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return make_error(ErrorCode::kInvalidArgument, "cannot use URL '{}': {}", url, why);
  };
  constexpr std::string_view kScheme = "http://";
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return bad("expected http://HOST[:PORT][/PATH]");
  std::string scheme(url.substr(0, scheme_end));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "https") return bad("https is not supported; use http:// (loopback or a trusted network)");
  if (scheme != "http") return bad("only http:// URLs are supported");
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) return bad("query strings and fragments are not allowed");
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) return bad("user info (user@host) is not supported");

  LoadtestUrl out;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated [IPv6] host");
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("unexpected text after the [IPv6] host");
    if (!after.empty()) port_text = after.substr(1);
    if (after.size() == 1) return bad("empty port");
    for (char c : out.host) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return bad("bad IPv6 address");
    }
  } else {
    const std::size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad("empty port");
    }
    for (char c : out.host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
        return bad("bad character in host name");
      }
    }
  }
  if (out.host.empty()) return bad("empty host");
  if (!port_text.empty()) {
    if (port_text.size() > 5) return bad("port out of range");
    std::uint32_t port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9') return bad("port is not a number");
      port = port * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (port == 0 || port > 65535) return bad("port out of range");
    out.port = static_cast<std::uint16_t>(port);
  }

  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  for (char c : path) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return bad("bad character in path");
  }
  auto ends_with = [&](std::string_view suffix) { return path.ends_with(suffix); };
  if (ends_with("/chat/completions")) {
    out.endpoint_path = std::string(path);
    out.url_endpoint = LoadtestEndpoint::kChat;
    out.api_root = std::string(path.substr(0, path.size() - std::string_view("/chat/completions").size()));
  } else if (ends_with("/completions")) {
    out.endpoint_path = std::string(path);
    out.url_endpoint = LoadtestEndpoint::kCompletions;
    out.api_root = std::string(path.substr(0, path.size() - std::string_view("/completions").size()));
  } else if (ends_with("/v1")) {
    out.api_root = std::string(path);
  } else {
    out.api_root = std::string(path) + "/v1";
  }
  return out;
}

}  // namespace servir::app
