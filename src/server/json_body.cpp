#include "server/json_body.h"

#include <fmt/format.h>

namespace servir::server {
namespace {

ApiError bad_body(std::string message) { return api_error(Status(ErrorCode::kInvalidArgument, std::move(message))); }

// Deepest [ / { nesting outside strings, stopping as soon as it passes
// `limit` (returns limit + 1 and the offset then).
std::pair<int, std::size_t> nesting_depth(std::string_view text, int limit) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return {depth, i};
      deepest = std::max(deepest, depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return {deepest, text.size()};
}

}  // namespace

std::size_t find_invalid_utf8(std::string_view bytes) {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;  // continuation byte, C0/C1 overlong lead, or F5..FF
    }
    if (i + static_cast<std::size_t>(len) > n) return i;
    for (int k = 1; k < len; ++k) {
      const unsigned char cc = s[i + static_cast<std::size_t>(k)];
      if ((cc & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const bool overlong = (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    if (overlong || surrogate || cp > 0x10FFFF) return i;
    i += static_cast<std::size_t>(len);
  }
  return std::string_view::npos;
}

ApiResult<nlohmann::ordered_json> parse_json_body(std::string_view body, int max_depth) {
  if (const std::size_t bad = find_invalid_utf8(body); bad != std::string_view::npos) {
    return bad_body(fmt::format("The request body is not valid UTF-8 (byte offset {}).", bad));
  }
  if (const auto [depth, offset] = nesting_depth(body, max_depth); depth > max_depth) {
    return bad_body(
        fmt::format("The request body nests JSON deeper than {} levels (byte offset {}).", max_depth, offset));
  }
  nlohmann::ordered_json json;
  try {
    json = nlohmann::ordered_json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1,
    // column 2: syntax error while parsing value - ..."; the prefix is noise.
    std::string what = e.what();
    if (const auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    return bad_body(fmt::format("The request body is not valid JSON: {}", what));
  }
  if (!json.is_object()) return bad_body("The request body must be a JSON object.");
  return json;
}

std::string dump_json(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string dump_json(const nlohmann::ordered_json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace servir::server
