// A tiny OpenAI-shaped HTTP/1.1 server for testing `servir loadtest`
// without a model: plain POSIX sockets, a thread per connection, keep-alive.
//
// POST .../completions answers a chunked text/event-stream with max_tokens
// content events (each split across two HTTP chunks, so the client's SSE
// parser sees events torn at arbitrary points), an optional usage event
// and "data: [DONE]". GET .../models lists one model, "stub-model". Every
// reject_every-th request is answered 429 with an OpenAI error body; with
// stall, POSTs are read and never answered.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace servir::testing {

class SseStubServer {
 public:
  struct Options {
    bool send_usage = true;
    int reject_every = 0;  // 0: never
    bool stall = false;    // never answer a POST (until destroyed)
  };

  explicit SseStubServer(Options options);
  ~SseStubServer();
  SseStubServer(const SseStubServer&) = delete;
  SseStubServer& operator=(const SseStubServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  int connections_accepted() const { return connections_.load(); }
  // Bodies of the POSTs received, and the request heads (for headers).
  std::vector<nlohmann::json> bodies() const;
  std::vector<std::string> heads() const;

 private:
  void accept_loop();
  void serve_connection(int fd);

  Options options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> posts_{0};
  mutable std::mutex mutex_;
  std::vector<nlohmann::json> bodies_;
  std::vector<std::string> heads_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace servir::testing
