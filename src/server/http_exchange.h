// The transport's contract with request handlers: one parsed HTTP request
// in, one response out (whole or streamed), plus notice of a client that
// went away before its response finished.
//
// Thread-safety: every HttpExchange method may be called from any thread
// (the engine thread included); the calls post onto the connection's strand
// and never block. Outputs after the response completed, or after the client
// disconnected, are dropped.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace servir::server {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // target without the query string
  std::string query;   // after '?', undecoded
  HeaderList headers;  // names as sent
  std::string body;
  std::string remote_ip;
  bool keep_alive = true;

  // The first value of a header, case-insensitive name; empty when absent.
  std::string_view header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  HeaderList headers;  // extra headers; values are sanitized (no CR/LF)
  std::string body;
  bool close_connection = false;
};

class HttpExchange {
 public:
  virtual ~HttpExchange() = default;

  // A whole response; ends the exchange.
  virtual void respond(HttpResponse response) = 0;

  // A streamed response (chunked transfer encoding): the head once, then any
  // number of write()s, then end_stream(). response.body is sent as the first
  // chunk when not empty.
  virtual void begin_stream(HttpResponse head) = 0;
  virtual void write(std::string data) = 0;
  virtual void end_stream() = 0;

  // `on_cancel` runs at most once, on an I/O thread, when the client closes
  // the connection (or a write to it fails or times out) before the response
  // ended. Set it once; when the client is already gone it runs at once.
  virtual void set_on_cancel(std::function<void()> on_cancel) = 0;
  virtual bool cancelled() const = 0;

  // Runs `fn` on the connection's strand (serialized with the connection's
  // other work), even after the client went away: what a handler does when
  // the engine reports progress. Dropped only once the server has stopped.
  virtual void run_on_strand(std::function<void()> fn) = 0;
};

// Called on an I/O thread for each complete request. It must not block:
// long work goes elsewhere and answers through the exchange later.
using RequestHandler = std::function<void(HttpRequest&& request, std::shared_ptr<HttpExchange> exchange)>;

// Bytes of an HTTP/1.1 response head ("HTTP/1.1 200 OK\r\n...\r\n\r\n").
// chunked: Transfer-Encoding: chunked instead of Content-Length.
std::string serialize_response_head(const HttpResponse& response, bool chunked, bool close_connection);
// One chunk of chunked transfer encoding; empty data gives nothing (an empty
// chunk would end the body).
std::string encode_chunk(std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

}  // namespace servir::server
