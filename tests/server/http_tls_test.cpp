// HTTPS with --tls-cert/--tls-key: a TLS 1.2+ handshake and a request over
// it, with a throwaway self-signed certificate made by the openssl CLI.
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "server/http_server.h"
#include "testing/test_paths.h"

namespace servir::server {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

TEST(HttpTlsTest, ServesHttpsWithTheGivenCertificate) {
  servir::testing::TempDir dir;
  const auto cert = (dir / "cert.pem").string();
  const auto key = (dir / "key.pem").string();
  const auto made =
      servir::testing::run_command("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -keyout " +
                                       key + " -out " + cert + " 2>&1",
                                   true);
  if (made.exit_code != 0) GTEST_SKIP() << "no openssl CLI to make a certificate: " << made.output;

  HttpServerOptions options{.port = 0, .tls_cert_path = cert, .tls_key_path = key};
  auto server = HttpServer::start(options, [](HttpRequest&& req, std::shared_ptr<HttpExchange> ex) {
    ex->respond(HttpResponse{.content_type = "text/plain", .body = "secure " + req.path});
  });
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  EXPECT_TRUE((*server)->tls());

  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_none);
  ssl::stream<tcp::socket> stream(ioc, ctx);
  stream.next_layer().connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>((*server)->port())));
  stream.handshake(ssl::stream_base::client);
  EXPECT_GE(SSL_version(stream.native_handle()), TLS1_2_VERSION);

  http::request<http::empty_body> req{http::verb::get, "/hello", 11};
  req.set(http::field::host, "localhost");
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "secure /hello");
}

TEST(HttpTlsTest, RefusesHalfAConfiguration) {
  auto server = HttpServer::start(HttpServerOptions{.port = 0, .tls_cert_path = "/nonexistent.pem"},
                                  [](HttpRequest&&, std::shared_ptr<HttpExchange>) {});
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace servir::server
