#include "server/sse_writer.h"

namespace servir::server {

std::string sse_event(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 8);
  out += "data: ";
  out += json;
  out += "\n\n";
  return out;
}

std::string sse_events(const std::vector<std::string>& jsons) {
  std::string out;
  for (const auto& json : jsons) out += sse_event(json);
  return out;
}

HttpResponse sse_response_head(HeaderList extra_headers) {
  HttpResponse head{.status = 200, .content_type = std::string(kSseContentType), .headers = std::move(extra_headers)};
  head.headers.emplace_back("Cache-Control", "no-cache");
  head.headers.emplace_back("X-Accel-Buffering", "no");  // nginx: pass events through as they come
  return head;
}

}  // namespace servir::server
