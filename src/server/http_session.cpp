#include "server/http_session_impl.h"

namespace servir::server::detail {

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
