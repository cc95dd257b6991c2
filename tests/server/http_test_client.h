// A small blocking HTTP/1.1 client over loopback for the server tests
// (Beast, the same library the server uses, but a separate code path: it
// speaks to the server only through the socket).
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace servir::server::testing {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

struct ClientResponse {
  int status = 0;
  std::string body;
  http::fields headers;
  bool ok = false;    // a response was read
  std::string error;  // why not
  std::string header(const char* name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : std::string(it->value());
  }
};

class TestClient {
 public:
  explicit TestClient(int port) : socket_(ioc_) { connect(port); }

  void connect(int port) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    // A test must fail, not hang, when the server never answers.
    const timeval tv{.tv_sec = 10, .tv_usec = 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  void send(const std::string& method, const std::string& target, const std::string& body = {},
            std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    for (auto& [name, value] : headers) req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    http::write(socket_, req);
  }

  void send_raw(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }

  ClientResponse read() {
    ClientResponse out;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    boost::system::error_code ec;
    http::read(socket_, buffer_, parser, ec);
    if (ec) {
      out.error = ec.message();
      return out;
    }
    auto res = parser.release();
    out.ok = true;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    out.headers = std::move(res.base());
    return out;
  }

  // Reads only the head of a (streamed) response.
  ClientResponse read_head() {
    ClientResponse out;
    head_parser_.emplace();
    boost::system::error_code ec;
    http::read_header(socket_, buffer_, *head_parser_, ec);
    if (ec) return out;
    out.ok = true;
    out.status = static_cast<int>(head_parser_->get().result_int());
    out.headers = head_parser_->get().base();
    return out;
  }

  ClientResponse request(const std::string& method, const std::string& target, const std::string& body = {},
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
    send(method, target, body, std::move(headers));
    return read();
  }

  // True when the server closed the connection (EOF) within the receive timeout.
  bool server_closed() {
    char c;
    boost::system::error_code ec;
    if (buffer_.size() > 0) return false;
    socket_.read_some(net::buffer(&c, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

  void close() {
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  tcp::socket& socket() { return socket_; }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::empty_body>> head_parser_;
};

}  // namespace servir::server::testing
