#include "server/http_server.h"

#include <openssl/ssl.h>

#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <optional>
#include <thread>
#include <vector>

#include "server/http_session.h"

namespace servir::server {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// Connections past max_connections get a 503; past this many more they are
// closed without a word (a flood must not cost a session each).
constexpr int kRefusalHeadroom = 256;

Result<std::unique_ptr<ssl::context>> make_tls_context(const HttpServerOptions& options) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  error_code ec;
  ctx->use_certificate_chain_file(options.tls_cert_path, ec);
  if (ec) return make_error(ErrorCode::kInvalidArgument, "--tls-cert {}: {}", options.tls_cert_path, ec.message());
  ctx->use_private_key_file(options.tls_key_path, ssl::context::pem, ec);
  if (ec) return make_error(ErrorCode::kInvalidArgument, "--tls-key {}: {}", options.tls_key_path, ec.message());
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    return make_error(ErrorCode::kInvalidArgument, "--tls-key {} does not match --tls-cert {}", options.tls_key_path,
                      options.tls_cert_path);
  }
  return ctx;
}

}  // namespace

class HttpServer::Impl {
 public:
  explicit Impl(int io_threads) : ioc_(io_threads), acceptor_(net::make_strand(ioc_)), retry_timer_(ioc_) {}

  Status open(const HttpServerOptions& options, RequestHandler handler) {
    shared_ = std::make_shared<detail::ServerShared>();
    shared_->options = options;
    shared_->handler = std::move(handler);
    if (!options.tls_cert_path.empty() || !options.tls_key_path.empty()) {
      if (options.tls_cert_path.empty() || options.tls_key_path.empty()) {
        return Status(ErrorCode::kInvalidArgument, "TLS needs both --tls-cert and --tls-key");
      }
      auto ctx = make_tls_context(options);
      if (!ctx.ok()) return ctx.status();
      tls_ = std::move(*ctx);
      shared_->tls = tls_.get();
    }
    error_code ec;
    const auto address = net::ip::make_address(options.host, ec);
    if (ec) return make_error(ErrorCode::kInvalidArgument, "--host {}: not an IP address", options.host);
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(options.port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return make_error(ErrorCode::kIoError, "cannot listen on {}:{}: {}", options.host, options.port, ec.message());
    port_ = acceptor_.local_endpoint().port();
    accept();
    const int n = std::max(1, options.io_threads);
    threads_.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { ioc_.run(); });
    return {};
  }

  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      if (ec) {
        // Out of descriptors (EMFILE) and the like: back off instead of spinning.
        spdlog::warn("http: accept failed: {}", ec.message());
        retry_timer_.expires_after(std::chrono::milliseconds(100));
        retry_timer_.async_wait([this](error_code wait_ec) {
          if (!wait_ec) net::post(acceptor_.get_executor(), [this] { accept(); });
        });
        return;
      }
      const int open = shared_->open_connections.load();
      if (open >= shared_->options.max_connections + kRefusalHeadroom) {
        error_code ignored;
        socket.close(ignored);
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        detail::start_session(std::move(socket), shared_, open >= shared_->options.max_connections);
      }
      accept();
    });
  }

  void stop_accepting() {
    shared_->draining = true;
    net::post(acceptor_.get_executor(), [this] {
      error_code ignored;
      acceptor_.close(ignored);
      retry_timer_.cancel();
    });
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    stop_accepting();
    detail::close_all_sessions(*shared_);
    // Let the closes run (sessions free themselves), then stop the loop.
    for (int i = 0; i < 100 && shared_->open_connections.load() > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ioc_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_timer_;
  std::unique_ptr<ssl::context> tls_;
  std::shared_ptr<detail::ServerShared> shared_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  bool stopped_ = false;
};

Result<std::unique_ptr<HttpServer>> HttpServer::start(const HttpServerOptions& options, RequestHandler handler) {
  auto impl = std::make_unique<Impl>(std::max(1, options.io_threads));
  if (Status st = impl->open(options, std::move(handler)); !st.ok()) return st;
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { stop(); }

int HttpServer::port() const { return impl_->port_; }
bool HttpServer::tls() const { return impl_->tls_ != nullptr; }
void HttpServer::stop_accepting() { impl_->stop_accepting(); }
void HttpServer::stop() { impl_->stop(); }
int HttpServer::open_connections() const { return impl_->shared_->open_connections.load(); }
int HttpServer::active_exchanges() const { return impl_->shared_->active_exchanges.load(); }

}  // namespace servir::server
