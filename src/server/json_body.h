// Parsing an untrusted request body into JSON before any field is read.
//
// nlohmann's parser would accept some of what we must refuse and reports the
// rest in terms a client cannot act on, so the body is checked first, in one
// linear pass: valid UTF-8 throughout (not only inside strings), nesting no
// deeper than `max_depth` (a 100,000-deep "[[[[..." must cost nothing), then
// parsed without exceptions, and the top level must be an object. Each
// refusal is a 400 ApiError with a message saying what is wrong and where
// (byte offset).
//
// Key order is kept (ordered_json): chat templates print message dicts in the
// order the client wrote them, as Python's json would.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/api_error.h"

namespace servir::server {

// Byte offset of the first invalid UTF-8 sequence (overlong forms,
// surrogates and code points past U+10FFFF are invalid), or npos.
std::size_t find_invalid_utf8(std::string_view bytes);

ApiResult<nlohmann::ordered_json> parse_json_body(std::string_view body, int max_depth = 64);

// JSON for the wire: compact, invalid UTF-8 (token bytes, decoded text)
// replaced by U+FFFD instead of throwing.
std::string dump_json(const nlohmann::json& json);
std::string dump_json(const nlohmann::ordered_json& json);

}  // namespace servir::server
