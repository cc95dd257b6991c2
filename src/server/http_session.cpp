#include "server/http_session.h"

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

#include <deque>
#include <optional>
#include <variant>

#include "server/api_error.h"
#include "server/server_metrics.h"  // reject_reason names

namespace servir::server::detail {
namespace {

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
std::string cors_allow_origin(const std::vector<std::string>& allowed, std::string_view origin) {
  if (origin.empty()) return {};
  for (const std::string& a : allowed) {
    if (a == "*") return "*";
    if (a == origin) return std::string(origin);
  }
  return {};
}

void add_cors_headers(HttpResponse& response, const std::string& allow_origin) {
  if (allow_origin.empty()) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", allow_origin);
  if (allow_origin != "*") response.headers.emplace_back("Vary", "Origin");
  // What browser code may read besides the safelisted headers.
  response.headers.emplace_back("Access-Control-Expose-Headers",
                                "X-Request-Id, X-Servir-Ignored-Fields, Retry-After, x-ratelimit-limit-requests, "
                                "x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, "
                                "x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens");
}

}  // namespace

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

HttpSession::HttpSession(tcp::socket socket, std::shared_ptr<ServerShared> shared, bool refuse, std::uint64_t id)
    : stream_(std::in_place_index<0>, std::move(socket)),
      shared_(std::move(shared)),
      refuse_(refuse),
      id_(id),
      timer_(this->socket().get_executor()) {
  error_code ec;
  const auto endpoint = this->socket().remote_endpoint(ec);
  if (!ec) remote_ip_ = endpoint.address().to_string();
  if (shared_->tls != nullptr) {
    tcp::socket plain = std::move(std::get<0>(stream_));
    stream_.emplace<1>(std::move(plain), *shared_->tls);
  }
  shared_->open_connections.fetch_add(1);
}

HttpSession::~HttpSession() {
  if (exchange_ && in_exchange_) {
    if (!response_done_) exchange_->cancel();
    shared_->active_exchanges.fetch_sub(1);
  }
  shared_->open_connections.fetch_sub(1);
  std::lock_guard lock(shared_->sessions_mu);
  shared_->sessions.erase(id_);
}

void HttpSession::arm_timer(std::chrono::milliseconds timeout) {
  const std::uint64_t generation = ++timer_generation_;
  timer_.expires_after(timeout);
  timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
    if (ec || generation != self->timer_generation_) return;
    self->close_socket();  // fails the pending operation
  });
}

void HttpSession::disarm_timer() {
  ++timer_generation_;
  timer_.cancel();
}

void HttpSession::start() {
  if (auto* tls = std::get_if<1>(&stream_)) {
    arm_timer(shared_->options.idle_timeout);
    tls->async_handshake(ssl::stream_base::server, [self = shared_from_this()](error_code ec) {
      self->disarm_timer();
      if (ec) {
        spdlog::debug("http: TLS handshake with {} failed: {}", self->remote_ip_, ec.message());
        self->close_socket();
        return;
      }
      self->begin();
    });
    return;
  }
  begin();
}

void HttpSession::begin() {
  if (refuse_) {
    in_exchange_ = true;
    close_after_ = true;
    fail_request(Status(ErrorCode::kUnavailable, "too many open connections; retry later"), {},
                 reject_reason::kTooManyConnections);
    return;
  }
  read_request();
}

void HttpSession::read_request() {
  if (closed_) return;
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
  parser_->body_limit(shared_->options.max_body_bytes);
  continue_sent_ = false;
  read(ReadPhase::kHead);
}

void HttpSession::read(ReadPhase phase) {
  reading_ = true;
  arm_timer(shared_->options.idle_timeout);
  if (phase == ReadPhase::kHead) {
    head_bytes_ = 0;
    // Posted, so a head already buffered (pipelined) completes later, as a
    // read would, not inside the caller.
    net::post(executor(), [self = shared_from_this()] { self->parse_head(); });
    return;
  }
  std::visit(
      [this](auto& stream) {
        http::async_read(stream, buffer_, *parser_, [self = shared_from_this()](error_code ec, std::size_t) {
          self->on_read(ReadPhase::kBody, ec);
        });
      },
      stream_);
}

// The head is parsed here, not by http::async_read_header: Beast 1.74 holds
// header_limit against the bytes one put() leaves unparsed, not against the
// whole head, so fields arriving a few at a time could grow a head without
// bound. head_bytes_ counts what the parser took.
void HttpSession::parse_head() {
  if (closed_) {
    on_read(ReadPhase::kHead, net::error::operation_aborted);
    return;
  }
  const std::size_t limit = shared_->options.max_header_bytes;
  error_code ec = http::error::need_more;
  if (buffer_.size() > 0) {
    const std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    head_bytes_ += used;
  }
  if (ec != http::error::need_more) {
    if (!ec && head_bytes_ > limit) ec = http::error::header_limit;
    on_read(ReadPhase::kHead, ec);
    return;
  }
  if (head_bytes_ + buffer_.size() >= limit) {  // the unparsed rest of a field counts too
    on_read(ReadPhase::kHead, http::error::header_limit);
    return;
  }
  std::visit(
      [this](auto& stream) {
        stream.async_read_some(
            buffer_.prepare(boost::beast::read_size(buffer_, 65536)),
            [self = shared_from_this()](error_code ec, std::size_t n) { self->on_head_bytes(ec, n); });
      },
      stream_);
}

void HttpSession::on_head_bytes(error_code ec, std::size_t n) {
  buffer_.commit(n);
  if (ec == net::error::eof) {
    // As Beast's reads say it: a head cut short, or a clean close before one.
    if (parser_->got_some()) {
      ec = {};
      parser_->put_eof(ec);
      if (!ec) ec = http::error::partial_message;
    } else {
      ec = http::error::end_of_stream;
    }
  }
  if (ec || closed_) {
    on_read(ReadPhase::kHead, ec);
    return;
  }
  parse_head();
}

void HttpSession::on_read(ReadPhase phase, error_code ec) {
  reading_ = false;
  disarm_timer();
  if (closed_) return;
  if (ec) {
    on_read_error(ec);
    return;
  }
  if (phase == ReadPhase::kHead) {
    const auto& head = parser_->get();
    const auto expect = head[http::field::expect];
    if (!expect.empty() && boost::beast::iequals(expect, "100-continue") && !parser_->is_done()) {
      // Answer before reading, or the client waits a second before sending.
      continue_sent_ = true;
      enqueue("HTTP/1.1 100 Continue\r\n\r\n");
      return;  // the body is read once that is written (on_write)
    }
    read(ReadPhase::kBody);
    return;
  }
  auto message = parser_->release();
  HttpRequest request;
  request.method = std::string(message.method_string());
  const std::string_view target(message.target().data(), message.target().size());
  const auto question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  request.headers.reserve(16);
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.keep_alive = message.keep_alive();
  request.body = std::move(message.body());
  request.remote_ip = remote_ip_;
  dispatch(std::move(request));
}

void HttpSession::on_read_error(error_code ec) {
  if (ec == http::error::end_of_stream || ec == net::error::eof || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || ec == ssl::error::stream_truncated) {
    close_socket();  // the client closed (between requests or mid-request), or the idle timeout fired
    return;
  }
  in_exchange_ = true;
  close_after_ = true;
  if (ec == http::error::body_limit) {
    fail_request(make_error(ErrorCode::kResourceExhausted, "the request body exceeds {} bytes (--max-body-bytes)",
                            shared_->options.max_body_bytes),
                 api_code::kRequestTooLarge, reject_reason::kBodyTooLarge);
  } else if (ec == http::error::header_limit) {
    // parse_head() counted more than max_header_bytes, or Beast saw a line that long.
    fail_request(make_error(ErrorCode::kResourceExhausted, "the request headers exceed {} bytes",
                            shared_->options.max_header_bytes),
                 api_code::kHeadersTooLarge, reject_reason::kHeadersTooLarge);
  } else {
    fail_request(Status(ErrorCode::kInvalidArgument, fmt::format("malformed HTTP request: {}", ec.message())), {},
                 reject_reason::kInvalidRequest);
  }
}

void HttpSession::dispatch(HttpRequest request) {
  ++seq_;
  exchange_ = std::make_shared<Exchange>(weak_from_this(), executor(), seq_);
  in_exchange_ = true;
  shared_->active_exchanges.fetch_add(1);
  response_done_ = false;
  close_after_ = !request.keep_alive || shared_->draining.load();
  head_only_ = request.method == "HEAD";
  cors_origin_ = cors_allow_origin(shared_->options.cors_origins, request.header("origin"));
  watch();
  if (request.method == "OPTIONS" && !request.header("access-control-request-method").empty()) {
    // A CORS preflight: answered here, before routing and authentication.
    HttpResponse preflight{.status = 204, .content_type = {}};
    if (!cors_origin_.empty()) {
      preflight.headers.emplace_back("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS");
      const std::string_view asked = request.header("access-control-request-headers");
      preflight.headers.emplace_back("Access-Control-Allow-Headers",
                                     asked.empty() ? std::string_view("Authorization, Content-Type") : asked);
      preflight.headers.emplace_back("Access-Control-Max-Age", "600");
    }
    exchange_->respond(std::move(preflight));
    return;
  }
  try {
    shared_->handler(std::move(request), exchange_);
  } catch (const std::exception& e) {
    spdlog::error("http: request handler threw: {}", e.what());
    exchange_->respond(HttpResponse{
        .status = 500, .body = api_error(Status(ErrorCode::kInternal, e.what())).body(), .close_connection = true});
  }
}

void HttpSession::watch() {
  if (reading_ || closed_) return;
  if (buffer_.size() > 0) {
    // Bytes of a pipelined request already buffered: stop watching (a read
    // now could wait forever, the client waits for this response first).
    // No read holds the session now, and the exchange holds it weakly:
    // pinned, it stays until the response is written.
    pinned_ = shared_from_this();
    return;
  }
  reading_ = true;
  std::visit(
      [this](auto& stream) {
        stream.async_read_some(buffer_.prepare(4096),
                               [self = shared_from_this()](error_code ec, std::size_t n) { self->on_watch(ec, n); });
      },
      stream_);
}

void HttpSession::on_watch(error_code ec, std::size_t n) {
  reading_ = false;
  if (closed_) return;
  if (closing_) {
    if (ec) {
      close_socket();
    } else {
      linger();
    }
    return;
  }
  if (ec) {
    if (in_exchange_ && !response_done_) {
      peer_gone();
    } else if (in_exchange_) {
      close_after_ = true;  // half-closed after its request: finish writing, then close
    } else {
      close_socket();
    }
    return;
  }
  buffer_.commit(n);
  if (in_exchange_) {
    watch();
  } else {
    read_request();  // the response ended while this read was out
  }
}

void HttpSession::peer_gone() {
  if (exchange_ && in_exchange_ && !response_done_) exchange_->cancel();
  close_socket();
}

void HttpSession::fail_request(const Status& status, std::string_view code, std::string_view reason) {
  if (shared_->options.on_refusal) shared_->options.on_refusal(reason);
  const ApiError error = api_error(status, {.code = code});
  HttpResponse response{.status = error.http_status, .body = error.body(), .close_connection = true};
  if (error.http_status == 503) response.headers.emplace_back("Retry-After", "1");
  // A browser reads a refusal (413 for a body too large, say) only with the
  // CORS headers. The parser holds every field it parsed whole, so the
  // Origin is known unless the head broke off before it.
  if (parser_) {
    const auto origin = parser_->get()[http::field::origin];
    add_cors_headers(response,
                     cors_allow_origin(shared_->options.cors_origins, std::string_view(origin.data(), origin.size())));
  }
  response_done_ = true;
  enqueue(serialize_response_head(response, false, true) + response.body);
}

void HttpSession::deliver_response(std::uint64_t seq, HttpResponse response, bool streamed) {
  if (seq != seq_ || closed_ || !in_exchange_ || response_done_) return;
  close_after_ = close_after_ || response.close_connection || shared_->draining.load();
  add_cors_headers(response, cors_origin_);
  std::string bytes = serialize_response_head(response, streamed, close_after_);
  if (head_only_) {
    // The head says what the body would be (Content-Length or chunked);
    // none follows, and a stream's later chunks are dropped.
    response_done_ = true;
  } else if (streamed) {
    bytes += encode_chunk(response.body);
  } else {
    bytes += response.body;
    response_done_ = true;
  }
  enqueue(std::move(bytes));
}

void HttpSession::deliver_chunk(std::uint64_t seq, std::string data) {
  if (seq != seq_ || closed_ || !in_exchange_ || response_done_) return;
  enqueue(encode_chunk(data));
}

void HttpSession::deliver_end(std::uint64_t seq) {
  if (seq != seq_ || closed_ || !in_exchange_ || response_done_) return;
  response_done_ = true;
  enqueue(std::string(kLastChunk));
}

void HttpSession::enqueue(std::string bytes) {
  if (closed_) return;
  buffered_bytes_ += bytes.size();
  outbox_.push_back(std::move(bytes));
  if (buffered_bytes_ > shared_->options.max_buffered_output_bytes) {
    spdlog::warn("http: dropping client {}: {} bytes of output unread", remote_ip_, buffered_bytes_);
    peer_gone();
    return;
  }
  if (!writing_) do_write();
}

void HttpSession::do_write() {
  in_flight_.clear();
  while (!outbox_.empty()) {
    in_flight_.push_back(std::move(outbox_.front()));
    outbox_.pop_front();
  }
  std::vector<net::const_buffer> buffers;
  buffers.reserve(in_flight_.size());
  for (const auto& piece : in_flight_) buffers.emplace_back(net::buffer(piece));
  writing_ = true;
  arm_timer(shared_->options.write_timeout);
  std::visit(
      [this, &buffers](auto& stream) {
        net::async_write(stream, buffers,
                         [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec); });
      },
      stream_);
}

void HttpSession::on_write(error_code ec) {
  writing_ = false;
  disarm_timer();
  for (const auto& piece : in_flight_) buffered_bytes_ -= piece.size();
  in_flight_.clear();
  if (closed_) return;
  if (ec) {
    peer_gone();
    return;
  }
  if (!outbox_.empty()) {
    do_write();
    return;
  }
  if (continue_sent_ && !in_exchange_) {
    continue_sent_ = false;
    read(ReadPhase::kBody);
    return;
  }
  if (in_exchange_ && response_done_) finish_exchange();
}

void HttpSession::finish_exchange() {
  in_exchange_ = false;
  unpin();
  if (exchange_) shared_->active_exchanges.fetch_sub(1);
  exchange_.reset();
  if (close_after_) {
    graceful_close();
    return;
  }
  if (reading_) {
    // The watch read is out and becomes the wait for the next request:
    // on_watch() goes on to read_request() once bytes come.
    arm_timer(shared_->options.idle_timeout);
    return;
  }
  read_request();
}

void HttpSession::graceful_close() {
  if (closed_ || closing_) return;
  closing_ = true;
  if (auto* tls = std::get_if<1>(&stream_)) {
    arm_timer(std::chrono::milliseconds(1000));
    tls->async_shutdown([self = shared_from_this()](error_code) { self->close_socket(); });
    return;
  }
  error_code ignored;
  socket().shutdown(tcp::socket::shutdown_send, ignored);
  arm_timer(std::chrono::duration_cast<std::chrono::milliseconds>(kLingerTime));
  if (!reading_) linger();  // else the watch read's completion lingers on (on_watch)
}

void HttpSession::linger() {
  socket().async_read_some(net::buffer(scratch_), [self = shared_from_this()](error_code ec, std::size_t n) {
    self->lingered_bytes_ += n;
    if (ec || self->closed_ || self->lingered_bytes_ > kLingerBytes) {
      self->close_socket();
      return;
    }
    self->linger();
  });
}

void HttpSession::close_socket() {
  if (closed_) return;
  closed_ = true;
  unpin();
  disarm_timer();
  error_code ignored;
  socket().close(ignored);
}

void HttpSession::unpin() {
  // Released from the strand's queue, not here: this may be the last
  // reference, and the caller is still running in the session.
  if (pinned_) net::post(executor(), [pinned = std::move(pinned_)] {});
}

void start_session(tcp::socket socket, const std::shared_ptr<ServerShared>& shared, bool refuse) {
  std::uint64_t id = 0;
  std::shared_ptr<HttpSession> session;
  {
    std::lock_guard lock(shared->sessions_mu);
    id = shared->next_session_id++;
  }
  session = std::make_shared<HttpSession>(std::move(socket), shared, refuse, id);
  {
    std::lock_guard lock(shared->sessions_mu);
    shared->sessions.emplace(id, session);
  }
  net::dispatch(session->executor(), [session] { session->start(); });
}

void close_all_sessions(ServerShared& shared) {
  std::vector<std::shared_ptr<HttpSession>> live;
  {
    std::lock_guard lock(shared.sessions_mu);
    for (auto& [id, weak] : shared.sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) {
    net::post(session->executor(), [session] { session->close(); });
  }
}

}  // namespace servir::server::detail
