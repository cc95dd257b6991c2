// Server-sent events as the OpenAI streaming API frames them: each event is
// one `data: <json>\n\n`, the stream ends with `data: [DONE]\n\n`, and an
// error after the stream started is one more event, `data: {"error":...}`.
// JSON texts never hold a raw newline (nlohmann escapes them), so one data
// line per event is enough.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/http_exchange.h"

namespace servir::server {

inline constexpr std::string_view kSseContentType = "text/event-stream";
inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

// "data: <json>\n\n"
std::string sse_event(std::string_view json);
// Every event of `jsons`, concatenated (one write for a batch of chunks).
std::string sse_events(const std::vector<std::string>& jsons);
// The head of a streamed response: 200, text/event-stream, no caching, no
// proxy buffering.
HttpResponse sse_response_head(HeaderList extra_headers);

}  // namespace servir::server
