// One client connection of HttpServer (internal to the server layer).
//
// A session reads a request (head first, so a too-large body is refused
// before it is read), hands it to the RequestHandler with an HttpExchange,
// and while the response is pending keeps one read open on the socket: its
// EOF or error is how a disconnect is noticed and the exchange cancelled.
// All session state lives on the connection's strand.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "server/http_exchange.h"
#include "server/http_server.h"

namespace servir::server::detail {

class HttpSession;

// State shared by the acceptor and every session of one server.
struct ServerShared {
  HttpServerOptions options;
  RequestHandler handler;
  boost::asio::ssl::context* tls = nullptr;  // null: plain HTTP
  std::atomic<int> open_connections{0};
  std::atomic<int> active_exchanges{0};  // requests handed to the handler whose response is not yet written
  std::atomic<bool> draining{false};     // responses say Connection: close

  std::mutex sessions_mu;
  std::unordered_map<std::uint64_t, std::weak_ptr<HttpSession>> sessions;
  std::uint64_t next_session_id = 0;
};

// Starts serving an accepted socket (whose executor is its strand). A
// refused session only answers 503 and closes.
void start_session(boost::asio::ip::tcp::socket socket, const std::shared_ptr<ServerShared>& shared, bool refuse);

// Closes every session's socket (from any thread).
void close_all_sessions(ServerShared& shared);

}  // namespace servir::server::detail
