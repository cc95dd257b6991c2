// HttpSession's class (internal to http_session*.cpp): the session is split
// over three files, http_session.cpp (life cycle, timers, CORS, the
// acceptor's entry points), http_session_read.cpp (reading requests and
// watching for a client that leaves) and http_session_write.cpp (responses,
// the write queue, closing).
#pragma once

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "server/api_error.h"
#include "server/http_session.h"
#include "server/server_metrics.h"  // reject_reason names

namespace servir::server::detail {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// After an error response that closes the connection, the rest of the
// request is read and dropped for a while, so the client sees the response
// rather than a reset.
constexpr std::size_t kLingerBytes = std::size_t{64} << 20;
constexpr std::chrono::seconds kLingerTime{2};

// The Access-Control-Allow-Origin value for a request from `origin` ("" when
// it sent none or is not allowed).
std::string cors_allow_origin(const std::vector<std::string>& allowed, std::string_view origin);

// Adds the CORS headers for `allow_origin` ("" adds none).
void add_cors_headers(HttpResponse& response, const std::string& allow_origin);

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, std::shared_ptr<ServerShared> shared, bool refuse, std::uint64_t id);
  ~HttpSession();

  void start();
  void close() { close_socket(); }

  // From an Exchange, already on the strand; `seq` names the exchange.
  void deliver_response(std::uint64_t seq, HttpResponse response, bool streamed);
  void deliver_chunk(std::uint64_t seq, std::string data);
  void deliver_end(std::uint64_t seq);

  net::any_io_executor executor() { return socket().get_executor(); }

 private:
  class Exchange;

  tcp::socket& socket() {
    return std::visit([](auto& s) -> tcp::socket& { return lowest(s); }, stream_);
  }
  static tcp::socket& lowest(tcp::socket& s) { return s; }
  static tcp::socket& lowest(ssl::stream<tcp::socket>& s) { return s.next_layer(); }

  void arm_timer(std::chrono::milliseconds timeout);
  void disarm_timer();
  void begin();
  // A request is read in two phases, so that a too-large body is refused
  // from its head and "Expect: 100-continue" is answered before the body.
  enum class ReadPhase { kHead, kBody };
  void read_request();
  void read(ReadPhase phase);
  void parse_head();
  void on_head_bytes(error_code ec, std::size_t n);
  void on_read(ReadPhase phase, error_code ec);
  void on_read_error(error_code ec);
  void dispatch(HttpRequest request);
  void watch();
  void on_watch(error_code ec, std::size_t n);
  void peer_gone();
  void fail_request(const Status& status, std::string_view code, std::string_view reason);
  void enqueue(std::string bytes);
  void do_write();
  void on_write(error_code ec);
  void finish_exchange();
  void graceful_close();
  void linger();
  void close_socket();
  void unpin();

  std::variant<tcp::socket, ssl::stream<tcp::socket>> stream_;
  std::shared_ptr<ServerShared> shared_;
  const bool refuse_;
  const std::uint64_t id_;
  std::string remote_ip_;
  net::steady_timer timer_;
  std::uint64_t timer_generation_ = 0;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::size_t head_bytes_ = 0;  // of the request head being read, parsed so far

  std::uint64_t seq_ = 0;  // exchanges started on this connection
  std::shared_ptr<Exchange> exchange_;
  bool in_exchange_ = false;    // a request was dispatched, its response not fully written
  bool response_done_ = false;  // its last bytes are queued
  bool close_after_ = false;    // close once the response is written
  bool reading_ = false;        // a read is outstanding (request or watch)
  bool writing_ = false;
  bool continue_sent_ = false;  // "100 Continue" queued for this request
  bool head_only_ = false;      // the request is HEAD: its response is the head alone
  std::string cors_origin_;     // Access-Control-Allow-Origin for this request's responses ("" = none)
  bool closing_ = false;        // graceful close under way: reads are drained and dropped
  bool closed_ = false;
  std::deque<std::string> outbox_;
  std::vector<std::string> in_flight_;  // being written
  std::size_t buffered_bytes_ = 0;
  std::size_t lingered_bytes_ = 0;
  std::array<char, 4096> scratch_{};
  std::shared_ptr<HttpSession> pinned_;  // self, while nothing else holds the session (see watch())
};

// The handler's side of one request: posts everything onto the session's
// strand; the session ignores outputs of an exchange that is not current.
class HttpSession::Exchange final : public HttpExchange {
 public:
  Exchange(std::weak_ptr<HttpSession> session, net::any_io_executor executor, std::uint64_t seq)
      : session_(std::move(session)), executor_(std::move(executor)), seq_(seq) {}

  void respond(HttpResponse response) override {
    if (ended_.exchange(true)) return;
    post([seq = seq_, r = std::move(response)](HttpSession& s) mutable {
      s.deliver_response(seq, std::move(r), false);
    });
  }
  void begin_stream(HttpResponse head) override {
    if (ended_.load()) return;
    post([seq = seq_, r = std::move(head)](HttpSession& s) mutable { s.deliver_response(seq, std::move(r), true); });
  }
  void write(std::string data) override {
    if (ended_.load() || data.empty()) return;
    post([seq = seq_, d = std::move(data)](HttpSession& s) mutable { s.deliver_chunk(seq, std::move(d)); });
  }
  void end_stream() override {
    if (ended_.exchange(true)) return;
    post([seq = seq_](HttpSession& s) { s.deliver_end(seq); });
  }
  void set_on_cancel(std::function<void()> on_cancel) override {
    std::unique_lock lock(mu_);
    if (cancelled_) {
      lock.unlock();
      if (on_cancel) on_cancel();
      return;
    }
    on_cancel_ = std::move(on_cancel);
  }
  bool cancelled() const override {
    std::lock_guard lock(mu_);
    return cancelled_;
  }
  void run_on_strand(std::function<void()> fn) override { net::post(executor_, std::move(fn)); }

  // The session's side: the client went away before the response ended.
  void cancel() {
    std::function<void()> callback;
    {
      std::lock_guard lock(mu_);
      if (cancelled_) return;
      cancelled_ = true;
      callback = std::move(on_cancel_);
    }
    if (callback) callback();
  }

 private:
  template <typename F>
  void post(F&& f) {
    net::post(executor_, [weak = session_, f = std::forward<F>(f)]() mutable {
      if (auto session = weak.lock()) f(*session);
    });
  }

  std::weak_ptr<HttpSession> session_;
  net::any_io_executor executor_;
  const std::uint64_t seq_;
  std::atomic<bool> ended_{false};
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> on_cancel_;
};

}  // namespace servir::server::detail
