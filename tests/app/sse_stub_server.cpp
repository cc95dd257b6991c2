#include "sse_stub_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace servir::testing {
namespace {

bool send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

std::string http_chunk(const std::string& bytes) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  return size + bytes + "\r\n";
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

SseStubServer::SseStubServer(Options options) : options_(options) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error("bind/listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

SseStubServer::~SseStubServer() {
  stop_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  for (auto& t : threads_) t.join();
}

std::vector<nlohmann::json> SseStubServer::bodies() const {
  std::lock_guard lock(mutex_);
  return bodies_;
}

std::vector<std::string> SseStubServer::heads() const {
  std::lock_guard lock(mutex_);
  return heads_;
}

void SseStubServer::accept_loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    const int one = 1;  // no Nagle: the torn halves of an event go out at once
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    threads_.emplace_back([this, fd] { serve_connection(fd); });
  }
}

void SseStubServer::serve_connection(int fd) {
  std::string in;
  char buf[4096];
  auto read_more = [&]() {
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      const int r = ::poll(&p, 1, 50);
      if (r == 0) continue;
      const ssize_t n = r > 0 ? ::recv(fd, buf, sizeof buf, 0) : -1;
      if (n <= 0) return false;
      in.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    return false;
  };
  while (true) {
    std::size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more()) return (void)::close(fd);
    }
    const std::string head = in.substr(0, head_end + 4);
    in.erase(0, head_end + 4);
    std::size_t content_length = 0;
    const std::string head_lower = lower(head);
    if (const auto at = head_lower.find("content-length:"); at != std::string::npos) {
      content_length = std::stoul(head_lower.substr(at + 15));
    }
    while (in.size() < content_length) {
      if (!read_more()) return (void)::close(fd);
    }
    const std::string body = in.substr(0, content_length);
    in.erase(0, content_length);
    {
      std::lock_guard lock(mutex_);
      heads_.push_back(head);
    }

    if (head.starts_with("GET ") && head.find("/models ") != std::string::npos) {
      const std::string json = R"({"object":"list","data":[{"id":"stub-model","object":"model"}]})";
      send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(json.size()) + "\r\n\r\n" + json);
      continue;
    }
    const auto request = nlohmann::json::parse(body, nullptr, false);
    {
      std::lock_guard lock(mutex_);
      bodies_.push_back(request);
    }
    if (options_.stall) {
      while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return (void)::close(fd);
    }
    const int n_post = ++posts_;
    if (options_.reject_every > 0 && n_post % options_.reject_every == 0) {
      const std::string json =
          R"({"error":{"message":"stub says slow down","type":"rate_limit_exceeded","param":null,"code":"rate_limit_exceeded"}})";
      send_all(fd,
               "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
               "Content-Length: " +
                   std::to_string(json.size()) + "\r\n\r\n" + json);
      continue;
    }
    const bool chat = head.find("/chat/completions ") != std::string::npos;
    const int n_tokens = request.is_object() ? request.value("max_tokens", 1) : 1;
    if (!send_all(fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")) {
      return (void)::close(fd);
    }
    auto send_event = [&](const nlohmann::json& event) {
      // Torn in two HTTP chunks, the second after a pause, so the client
      // reads half an event.
      const std::string text = "data: " + event.dump() + "\n\n";
      const std::size_t half = text.size() / 2;
      const bool ok = send_all(fd, http_chunk(text.substr(0, half)));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return ok && send_all(fd, http_chunk(text.substr(half)));
    };
    bool ok = true;
    for (int i = 0; ok && i < n_tokens; ++i) {
      nlohmann::json choice = {
          {"index", 0}, {"finish_reason", i + 1 == n_tokens ? nlohmann::json("length") : nlohmann::json(nullptr)}};
      if (chat) {
        choice["delta"] = {{"content", " tok" + std::to_string(i)}};
      } else {
        choice["text"] = " tok" + std::to_string(i);
      }
      ok = send_event({{"id", "stub"}, {"object", "chunk"}, {"choices", {choice}}, {"usage", nullptr}});
    }
    if (ok && options_.send_usage) {
      ok = send_event({{"id", "stub"},
                       {"choices", nlohmann::json::array()},
                       {"usage",
                        {{"prompt_tokens", 7},
                         {"completion_tokens", n_tokens},
                         {"total_tokens", 7 + n_tokens},
                         {"prompt_tokens_details", {{"cached_tokens", 3}}}}}});
    }
    if (!ok || !send_all(fd, http_chunk("data: [DONE]\n\n") + "0\r\n\r\n")) return (void)::close(fd);
  }
}

}  // namespace servir::testing
