#include "server/http_session_impl.h"

namespace servir::server::detail {

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

}  // namespace servir::server::detail
