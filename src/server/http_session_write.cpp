#include "server/http_session_impl.h"

namespace servir::server::detail {

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

}  // namespace servir::server::detail
