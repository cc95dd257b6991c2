// Boost.Beast client of `servir loadtest` (see loadtest_client.h).
#include "app/loadtest_client.h"

#include <array>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "app/loadtest_prompt.h"
#include "app/loadtest_sse.h"

namespace servir::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr std::size_t kMaxErrorBodyBytes = std::size_t{64} << 10;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The "message" of an OpenAI-shaped error body, else the body's start.
std::string error_message_of(const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  if (j.is_object()) {
    const auto e = j.find("error");
    if (e != j.end() && e->is_object() && e->contains("message") && (*e)["message"].is_string()) {
      return (*e)["message"].get<std::string>();
    }
    if (e != j.end() && e->is_string()) return e->get<std::string>();
  }
  return body.substr(0, 200);
}

int int_field(const json& object, const char* name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_number_integer() ? it->get<int>() : -1;
}

// How a server's close of an idle keep-alive connection shows up.
bool is_closed_by_peer(beast::error_code ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe;
}

http::request<http::string_body> make_request(http::verb verb, const std::string& target, const LoadtestUrl& url,
                                              const std::string& api_key) {
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, url.host_header());
  req.set(http::field::user_agent, "servir-loadtest");
  if (!api_key.empty()) req.set(http::field::authorization, "Bearer " + api_key);
  return req;
}

class Connection;

struct RunState {
  const LoadtestConfig& config;
  asio::io_context& io;
  tcp::resolver::results_type endpoints;
  std::string target;
  Clock::time_point start;
  Clock::time_point last_completion;
  int next_index = 0;
  int open_connections = 0;
  bool stopped = false;
  LoadtestResult result;
  asio::steady_timer deadline;
  std::vector<std::weak_ptr<Connection>> connections;
};

// One keep-alive connection sending requests one after another.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(RunState& run) : run_(run), stream_(run.io) {}

  void start() {
    ++run_.open_connections;
    next_request();
  }

  // The deadline: cancels whatever is pending; its handler records "timeout".
  void stop() {
    beast::error_code ec;
    stream_.socket().close(ec);
  }

 private:
  void next_request() {
    if (run_.stopped || run_.next_index >= run_.config.requests) {
      close_socket();
      if (--run_.open_connections == 0) run_.deadline.cancel();
      return;
    }
    record_ = RequestRecord{};
    record_.index = run_.next_index++;
    request_ = make_request(http::verb::post, run_.target, run_.config.url, run_.config.api_key);
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::accept, "text/event-stream");
    request_.body() = loadtest_request_body(run_.config, record_.index);
    request_.prepare_payload();
    retried_ = false;
    send();
  }

  void send() {
    sse_ = SseParser();
    saw_done_ = false;
    header_received_ = false;
    stream_error_.clear();
    error_body_.clear();
    last_chunk_ = {};
    record_.ttft_s = -1;
    record_.content_chunks = 0;
    record_.itl_s.clear();
    request_start_ = Clock::now();
    record_.start_s = seconds_between(run_.start, request_start_);
    if (connected_) {
      reused_ = true;
      write();
      return;
    }
    reused_ = false;
    stream_.async_connect(run_.endpoints, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return self->io_failed("connect", ec);
      self->connected_ = true;
      beast::error_code ignored;
      self->stream_.socket().set_option(tcp::no_delay(true), ignored);
      self->write();
    });
  }

  void write() {
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->io_failed("write", ec);
      self->parser_.emplace();
      // Unbounded streams (nothing is kept); not boost::none, which Boost
      // 1.74 compares against Content-Length as if it were a zero limit.
      self->parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
      http::async_read_header(self->stream_, self->buffer_, *self->parser_,
                              [self](beast::error_code ec2, std::size_t) { self->on_header(ec2); });
    });
  }

  void on_header(beast::error_code ec) {
    if (ec) return io_failed("read", ec);
    header_received_ = true;
    record_.http_status = static_cast<int>(parser_->get().result_int());
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) return finish_response();
    auto& body = parser_->get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    http::async_read_some(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec == http::error::need_buffer) ec = {};
      const std::size_t got = self->chunk_.size() - self->parser_->get().body().size;
      if (got > 0) self->consume(std::string_view(self->chunk_.data(), got));
      if (ec) return self->io_failed("read", ec);
      self->read_body();
    });
  }

  void consume(std::string_view bytes) {
    if (record_.http_status != 200) {
      const std::size_t room = kMaxErrorBodyBytes - std::min(kMaxErrorBodyBytes, error_body_.size());
      error_body_.append(bytes.substr(0, room));
      return;
    }
    sse_.feed(bytes, [this](const SseEvent& event) { on_event(event); });
  }

  void on_event(const SseEvent& event) {
    if (event.data == "[DONE]") {
      saw_done_ = true;
      return;
    }
    const json j = json::parse(event.data, nullptr, false);
    if (!j.is_object()) {
      if (stream_error_.empty()) stream_error_ = "bad_stream";
      return;
    }
    if (const auto e = j.find("error"); e != j.end() && !e->is_null()) {
      stream_error_ = "stream_error";
      record_.error_detail = error_message_of(j.dump());
      return;
    }
    bool has_content = false;
    if (const auto choices = j.find("choices"); choices != j.end() && choices->is_array()) {
      for (const auto& choice : *choices) {
        if (!choice.is_object()) continue;
        if (run_.config.endpoint == LoadtestEndpoint::kChat) {
          const auto delta = choice.find("delta");
          if (delta == choice.end() || !delta->is_object()) continue;
          for (const char* field : {"content", "reasoning_content", "reasoning"}) {
            const auto it = delta->find(field);
            if (it != delta->end() && it->is_string() && !it->get_ref<const std::string&>().empty()) has_content = true;
          }
        } else {
          const auto text = choice.find("text");
          if (text != choice.end() && text->is_string() && !text->get_ref<const std::string&>().empty()) {
            has_content = true;
          }
        }
      }
    }
    if (has_content) {
      const auto now = Clock::now();
      if (record_.content_chunks == 0) {
        record_.ttft_s = seconds_between(request_start_, now);
      } else {
        record_.itl_s.push_back(seconds_between(last_chunk_, now));
      }
      last_chunk_ = now;
      ++record_.content_chunks;
    }
    if (const auto usage = j.find("usage"); usage != j.end() && usage->is_object()) {
      record_.usage_prompt_tokens = int_field(*usage, "prompt_tokens");
      record_.usage_completion_tokens = int_field(*usage, "completion_tokens");
      if (const auto details = usage->find("prompt_tokens_details"); details != usage->end() && details->is_object()) {
        record_.usage_cached_tokens = int_field(*details, "cached_tokens");
      }
    }
  }

  void finish_response() {
    const auto now = Clock::now();
    record_.e2e_s = seconds_between(request_start_, now);
    const bool keep_alive = parser_->get().keep_alive();
    if (record_.http_status != 200) {
      record_.error = std::to_string(record_.http_status);
      record_.error_detail = error_message_of(error_body_);
    } else {
      if (!saw_done_) sse_.finish([this](const SseEvent& event) { on_event(event); });
      if (sse_.failed()) {
        record_.error = "bad_stream";
      } else if (!stream_error_.empty()) {
        record_.error = stream_error_;
      } else if (!saw_done_) {
        record_.error = "incomplete_stream";
      }
    }
    complete(now);
    if (!keep_alive) close_socket();
    next_request();
  }

  void io_failed(const char* stage, beast::error_code ec) {
    if (run_.stopped) {
      record_.error = "timeout";
      record_.error_detail = "cut off by --timeout-s";
    } else if (reused_ && !header_received_ && !retried_ && is_closed_by_peer(ec)) {
      // The server closed the idle keep-alive connection as we reused it:
      // send again on a fresh connection (once).
      close_socket();
      retried_ = true;
      send();
      return;
    } else {
      record_.error = stage;
      record_.error_detail = ec.message();
    }
    const auto now = Clock::now();
    record_.e2e_s = seconds_between(request_start_, now);
    complete(now);
    close_socket();
    next_request();
  }

  void complete(Clock::time_point now) {
    run_.last_completion = now;
    run_.result.records.push_back(std::move(record_));
  }

  void close_socket() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
    connected_ = false;
    buffer_.clear();
  }

  RunState& run_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::buffer_body>> parser_;
  std::array<char, 16384> chunk_{};
  http::request<http::string_body> request_;
  RequestRecord record_;
  SseParser sse_;
  Clock::time_point request_start_;
  Clock::time_point last_chunk_;
  std::string stream_error_;
  std::string error_body_;
  bool connected_ = false;
  bool reused_ = false;
  bool retried_ = false;
  bool header_received_ = false;
  bool saw_done_ = false;
};

}  // namespace

std::string loadtest_request_body(const LoadtestConfig& config, int index) {
  const PromptSpec spec{
      .words = config.prompt_words, .shared_prefix_words = config.shared_prefix_words, .seed = config.seed};
  const std::string prompt = synthetic_prompt(spec, static_cast<std::uint64_t>(index));
  json body = {
      {"model", config.model}, {"max_tokens", config.max_tokens},
      {"stream", true},        {"stream_options", {{"include_usage", true}}},
      {"ignore_eos", true},    {"min_tokens", config.max_tokens},
  };
  if (config.endpoint == LoadtestEndpoint::kChat) {
    body["messages"] = json::array({{{"role", "user"}, {"content", prompt}}});
  } else {
    body["prompt"] = prompt;
  }
  return body.dump();
}

Result<LoadtestResult> run_loadtest(const LoadtestConfig& config) {
  asio::io_context io;
  beast::error_code ec;
  tcp::resolver resolver(io);
  auto endpoints = resolver.resolve(config.url.host, std::to_string(config.url.port), ec);
  if (ec) return make_error(ErrorCode::kNotFound, "cannot resolve host '{}': {}", config.url.host, ec.message());

  RunState run{.config = config,
               .io = io,
               .endpoints = std::move(endpoints),
               .target = config.url.path_for(config.endpoint),
               .start = Clock::now(),
               .last_completion = {},
               .deadline = asio::steady_timer(io)};
  run.last_completion = run.start;
  run.deadline.expires_after(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(config.timeout_s)));
  run.deadline.async_wait([&run](beast::error_code wait_ec) {
    if (wait_ec) return;  // cancelled: every connection finished
    run.stopped = true;
    run.result.deadline_hit = true;
    for (auto& weak : run.connections) {
      if (auto connection = weak.lock()) connection->stop();
    }
  });
  const int n_connections = std::max(1, std::min(config.concurrency, config.requests));
  for (int i = 0; i < n_connections; ++i) {
    auto connection = std::make_shared<Connection>(run);
    run.connections.push_back(connection);
    connection->start();
  }
  io.run();

  run.result.not_started = config.requests - run.next_index;
  run.result.duration_s = seconds_between(run.start, run.last_completion);
  return std::move(run.result);
}

Result<std::string> discover_model(const LoadtestUrl& url, const std::string& api_key, double timeout_s) {
  const std::string target = url.api_root + "/models";
  auto fail = [&](const std::string& why) {
    return make_error(ErrorCode::kUnavailable, "cannot discover the model from GET {} ({}); pass --model", target, why);
  };
  asio::io_context io;
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec) return fail(ec.message());
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s)));
  // The sync calls of tcp_stream ignore expires_after; drive async ones to honour it.
  http::response<http::string_body> response;
  beast::flat_buffer buffer;
  auto request = make_request(http::verb::get, target, url, api_key);
  stream.async_connect(endpoints, [&](beast::error_code connect_ec, const tcp::endpoint&) {
    if (connect_ec) {
      ec = connect_ec;
      return;
    }
    http::async_write(stream, request, [&](beast::error_code write_ec, std::size_t) {
      if (write_ec) {
        ec = write_ec;
        return;
      }
      http::async_read(stream, buffer, response, [&](beast::error_code read_ec, std::size_t) { ec = read_ec; });
    });
  });
  io.run();
  if (ec) return fail(ec.message());
  if (response.result_int() != 200) {
    return fail("HTTP " + std::to_string(response.result_int()) + ": " + error_message_of(response.body()));
  }
  const json j = json::parse(response.body(), nullptr, false);
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array() || j["data"].empty() ||
      !j["data"][0].is_object() || !j["data"][0].contains("id") || !j["data"][0]["id"].is_string()) {
    return fail("no model listed");
  }
  return j["data"][0]["id"].get<std::string>();
}

}  // namespace servir::app
