// HttpServer: an async HTTP/1.1 (optionally TLS) server on Boost.Asio/Beast.
//
// A fixed pool of I/O threads runs one io_context; each connection lives on
// its own strand, so a thousand idle or streaming connections cost sockets
// and buffers, not threads. Keep-alive, pipelined requests, request limits
// (header and body size, idle timeout, open connections) and the client-gone
// signal (HttpExchange::set_on_cancel) are handled here; what a request means
// is the RequestHandler's business.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_exchange.h"
#include "util/status.h"

namespace servir::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0: any free port (see HttpServer::port())
  int io_threads = 2;
  std::size_t max_body_bytes = std::size_t{4} << 20;             // larger bodies: 413
  std::size_t max_header_bytes = 16 << 10;                       // larger heads: 431
  std::chrono::milliseconds idle_timeout{60'000};                // waiting for (the rest of) a request
  std::chrono::milliseconds write_timeout{60'000};               // one write stuck this long closes the connection
  int max_connections = 4096;                                    // beyond: 503 and close
  std::size_t max_buffered_output_bytes = std::size_t{8} << 20;  // a client this far behind is dropped
  // CORS for browser clients: origins whose requests get
  // Access-Control-Allow-Origin ("*" = any; empty = no CORS headers), and
  // OPTIONS preflights answered 204 without reaching the handler (so no API
  // key is needed for them: browsers send none).
  std::vector<std::string> cors_origins = {"*"};
  // TLS 1.2/1.3 when both are set (PEM files).
  std::string tls_cert_path;
  std::string tls_key_path;
  // Called (on an I/O thread) for each request the transport itself refuses,
  // with the reason: "body_too_large" (413), "headers_too_large" (431),
  // "invalid_request" (malformed head), "too_many_connections". For
  // metrics; may be empty.
  std::function<void(std::string_view reason)> on_refusal;
};

class HttpServer {
 public:
  // Binds, listens and starts the I/O threads. Errors: kInvalidArgument
  // (address), kIoError (bind/listen), kInvalidArgument (TLS files).
  static Result<std::unique_ptr<HttpServer>> start(const HttpServerOptions& options, RequestHandler handler);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;  // the bound port
  bool tls() const;
  // Closes the listening socket; open connections carry on, and their
  // responses say Connection: close from now on.
  void stop_accepting();
  // Closes every connection and joins the I/O threads.
  void stop();
  int open_connections() const;
  // Requests handed to the handler whose response is not fully written yet.
  int active_exchanges() const;

  class Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace servir::server
