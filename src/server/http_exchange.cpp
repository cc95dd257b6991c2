#include "server/http_exchange.h"

#include <fmt/format.h>
#include <boost/beast/http/status.hpp>

#include <algorithm>
#include <cctype>

namespace servir::server {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Header values may echo client input (X-Request-Id): control characters
// would let a client split the response.
void append_sanitized(std::string& out, std::string_view value) {
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out.push_back(c);
  }
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

std::string serialize_response_head(const HttpResponse& response, bool chunked, bool close_connection) {
  namespace http = boost::beast::http;
  const auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(response.status)));
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nServer: servir\r\n", response.status,
                                std::string_view(reason.data(), reason.size()));
  if (!response.content_type.empty()) {
    out += "Content-Type: ";
    append_sanitized(out, response.content_type);
    out += "\r\n";
  }
  for (const auto& [name, value] : response.headers) {
    append_sanitized(out, name);
    out += ": ";
    append_sanitized(out, value);
    out += "\r\n";
  }
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (response.status != 204) {  // a 204 carries no body and no length
    out += fmt::format("Content-Length: {}\r\n", response.body.size());
  }
  if (close_connection) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

std::string encode_chunk(std::string_view data) {
  if (data.empty()) return {};
  std::string out = fmt::format("{:x}\r\n", data.size());
  out.append(data);
  out += "\r\n";
  return out;
}

}  // namespace servir::server
