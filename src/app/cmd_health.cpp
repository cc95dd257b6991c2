// `servir health [--url URL] [--timeout S]`
//
// A probe for container runtimes that have no curl in the image (Docker's
// HEALTHCHECK, a Kubernetes exec probe): GET the URL, exit 0 when the answer
// is 200 and 1 otherwise (no answer, a timeout, any other status). One line
// on stdout says what happened.
//
// The default URL is http://127.0.0.1:$SERVIR_PORT/health (port 8000 when
// SERVIR_PORT is unset), so an image configured through SERVIR_PORT probes
// the port it serves on; SERVIR_HEALTH_URL or --url name another route
// (/ready) or address. Plain http only: a TLS server is probed on a second
// loopback-only listener or with a real client.
#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "app/commands.h"
#include "util/status.h"

namespace servir::app {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HealthUrl {
  std::string host;  // without brackets for IPv6
  std::string port = "80";
  std::string target = "/health";
};

// http://HOST[:PORT][/PATH], HOST a name, an IPv4 or a bracketed IPv6 address.
Result<HealthUrl> parse_health_url(std::string_view url) {
  auto bad = [&](std::string_view why) { return make_error(ErrorCode::kInvalidArgument, "--url '{}': {}", url, why); };
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return bad("expected http://HOST[:PORT][/PATH]");
  std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HealthUrl out;
  if (slash != std::string_view::npos) out.target = std::string(rest.substr(slash));
  if (authority.empty()) return bad("no host");
  std::string_view port;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '['");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("junk after ']'");
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad("no host");
  if (!port.empty()) {
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos) return bad("bad port");
    if (const int p = std::stoi(std::string(port)); p < 1 || p > 65535) return bad("port out of range");
    out.port = std::string(port);
  }
  return out;
}

std::string default_health_url() {
  const char* port = std::getenv("SERVIR_PORT");
  return fmt::format("http://127.0.0.1:{}/health", port != nullptr && *port != '\0' ? port : "8000");
}

// The HTTP status of GET url, or an error when none arrives in time.
Result<int> probe(const HealthUrl& url, std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return make_error(ErrorCode::kUnavailable, "resolve {}: {}", url.host, ec.message());
  stream.expires_after(timeout);  // covers connect, write and read together
  http::request<http::empty_body> req{http::verb::get, url.target, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, "servir-health");
  req.set(http::field::connection, "close");
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  bool done = false;
  stream.async_connect(endpoints, [&](beast::error_code c, const tcp::endpoint&) {
    if ((ec = c)) return;
    http::async_write(stream, req, [&](beast::error_code w, std::size_t) {
      if ((ec = w)) return;
      http::async_read(stream, buffer, res, [&](beast::error_code r, std::size_t) {
        ec = r;
        done = !r;
      });
    });
  });
  io.run();
  if (!done) return make_error(ErrorCode::kUnavailable, "{}", ec ? ec.message() : "no answer");
  return static_cast<int>(res.result_int());
}

}  // namespace

void register_health_command(CLI::App& app) {
  static std::string url;
  static double timeout_s = 3;
  auto* cmd = app.add_subcommand("health", "Probe a running server: exit 0 when GET URL answers 200, else 1");
  cmd->add_option("--url", url, "What to GET (default: http://127.0.0.1:$SERVIR_PORT/health, port 8000 if unset)")
      ->envname("SERVIR_HEALTH_URL");
  cmd->add_option("--timeout", timeout_s, "Seconds to wait for the answer")->capture_default_str();
  cmd->callback([] {
    const std::string target = url.empty() ? default_health_url() : url;
    auto parsed = parse_health_url(target);
    if (!parsed.ok()) fail(parsed.status().to_string(), 2);
    if (!(timeout_s > 0)) fail("--timeout must be positive", 2);
    const auto status = probe(*parsed, std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000)));
    if (!status.ok()) fail(fmt::format("{}: unhealthy: {}", target, status.status().message()), 1);
    if (*status != 200) fail(fmt::format("{}: unhealthy: HTTP {}", target, *status), 1);
    fmt::print("{}: healthy\n", target);
  });
}

}  // namespace servir::app
