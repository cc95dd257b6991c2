// The real `servir serve` binary with the real engine over a tiny
// random-weight model: the listening line, SSE framing, the stalled-engine
// health check, 429 on a full queue, SIGTERM drain to exit 0.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "http_test_client.h"
#include "testing/test_paths.h"

namespace servir::server {
namespace {

using namespace std::chrono_literals;
using testing::TestClient;

// Where the child's stderr goes: /dev/null, or a pipe the test never reads
// (a supervisor that stopped reading the server's logs).
enum class ChildStderr { kDevNull, kUnreadPipe };

// A child process running `servir serve ... --port 0`, its stdout read until
// the listening line.
class ServeProcess {
 public:
  explicit ServeProcess(std::vector<std::string> args, ChildStderr stderr_to = ChildStderr::kDevNull) {
    int out[2];
    if (pipe(out) != 0) return;
    if (stderr_to == ChildStderr::kUnreadPipe && pipe(err_) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      if (stderr_to == ChildStderr::kUnreadPipe) {
        dup2(err_[1], STDERR_FILENO);
        close(err_[0]);
        close(err_[1]);
      } else {
        const int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDERR_FILENO);
      }
      close(out[0]);
      close(out[1]);
      std::vector<char*> argv;
      const std::string binary = servir::testing::servir_binary().string();
      argv.push_back(const_cast<char*>(binary.c_str()));
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    if (err_[1] >= 0) close(err_[1]);  // the read end stays open, unread, until the child is gone
    out_ = fdopen(out[0], "r");
    char line[512];
    // The model is tiny: the line comes within seconds or never.
    while (out_ != nullptr && std::fgets(line, sizeof line, out_) != nullptr) {
      std::cmatch m;
      if (std::regex_search(line, m, std::regex("servir: listening on http://127\\.0\\.0\\.1:([0-9]+)"))) {
        port_ = std::stoi(m[1].str());
        break;
      }
    }
  }
  ~ServeProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ != nullptr) std::fclose(out_);
    if (err_[0] >= 0) close(err_[0]);
  }

  int port() const { return port_; }

  // SIGTERM, then the exit status (-1 if it did not exit within `timeout`).
  int terminate(std::chrono::milliseconds timeout) {
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  int err_[2] = {-1, -1};
  int port_ = 0;
  bool exited_ = false;
};

class HttpServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto vocab = servir::testing::shared_path("models/stories260K.gguf");
    SKIP_WITHOUT_SHARED(vocab);
    model_ = (dir_ / "tiny.gguf").string();
    const auto made = servir::testing::run_command(servir::testing::servir_command(
        "testmodel --hidden 64 --layers 2 --heads 4 --kv-heads 2 --ffn 96 --seed 3 --context 512 --vocab-from " +
        vocab.string() + " --out " + model_));
    ASSERT_EQ(made.exit_code, 0) << made.output;
  }

  std::vector<std::string> serve_args(std::vector<std::string> extra) const {
    std::vector<std::string> args{
        "serve", "--model", model_, "--port", "0", "--threads", "1", "--kv-cache-memory", "8MiB", "--served-model-name",
        "tiny"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  servir::testing::TempDir dir_;
  std::string model_;
};

TEST_F(HttpServeTest, StreamsHealthChecksAndDrainsOnSigterm) {
  ServeProcess serve(serve_args({"--enable-test-hooks", "--health-stale", "0.3"}));
  ASSERT_GT(serve.port(), 0) << "no listening line";
  TestClient client(serve.port());
  EXPECT_EQ(client.request("GET", "/ready").status, 200);

  auto res =
      client.request("POST", "/v1/completions",
                     R"({"model":"tiny","prompt":"Once upon a time","max_tokens":5,"stream":true,"ignore_eos":true})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("Content-Type"), "text/event-stream");
  ASSERT_GE(res.body.size(), 16u);
  EXPECT_EQ(res.body.substr(res.body.size() - 14), "data: [DONE]\n\n");
  EXPECT_EQ(res.body.rfind("data: {", 0), 0u);

  EXPECT_EQ(client.request("GET", "/health").status, 200);
  EXPECT_EQ(client.request("POST", "/debug/stall?ms=1500").status, 200);
  bool stale = false;
  for (int i = 0; i < 100 && !stale; ++i) {
    stale = client.request("GET", "/health").status == 503;
    if (!stale) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(stale) << "/health stayed 200 while the engine loop was stalled";

  EXPECT_EQ(serve.terminate(10s), 0);
}

TEST_F(HttpServeTest, FullQueueAnswers429AtOnce) {
  // A queue of one: while the engine loop is stalled the first request
  // waits in it and the second finds it full.
  ServeProcess serve(serve_args({"--max-queue-len", "1", "--enable-test-hooks"}));
  ASSERT_GT(serve.port(), 0);
  TestClient control(serve.port());
  ASSERT_EQ(control.request("POST", "/debug/stall?ms=1000").status, 200);
  const std::string body = R"({"model":"tiny","prompt":"hi","max_tokens":4})";
  TestClient first(serve.port());
  TestClient second(serve.port());
  first.send("POST", "/v1/completions", body);
  std::this_thread::sleep_for(100ms);
  const auto t0 = std::chrono::steady_clock::now();
  auto refused = second.request("POST", "/v1/completions", body);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);  // not held until the stall ends
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_FALSE(refused.header("Retry-After").empty());
  EXPECT_EQ(nlohmann::json::parse(refused.body)["error"]["code"], "queue_full");
  EXPECT_EQ(first.read().status, 200);  // the admitted one still finishes
  EXPECT_EQ(serve.terminate(10s), 0);
}

// The access log goes to stderr by default. With stderr a full pipe, requests
// are still answered: lines queue, then are dropped and counted.
TEST_F(HttpServeTest, AStderrNobodyReadsDoesNotStallRequests) {
  ServeProcess serve(serve_args({}), ChildStderr::kUnreadPipe);
  ASSERT_GT(serve.port(), 0);
  TestClient client(serve.port());
  // ~300 bytes a line: a 64 KiB pipe is full after a few hundred, the
  // queue (8192 lines) after a few thousand more.
  constexpr int kRequests = 10000;
  for (int i = 0; i < kRequests; ++i) {
    const auto res = client.request("GET", "/v1/models");
    ASSERT_EQ(res.status, 200) << "request " << i << ": " << res.error;
  }
  const auto metrics = client.request("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(metrics.body, m, std::regex(R"(\nservir_access_log_dropped_total\{[^}]*\} ([0-9.e+]+))")))
      << metrics.body;
  EXPECT_GT(std::stod(m[1].str()), 0);
  // SIGTERM still drains and exits 0: the default logger is asynchronous
  // too, and the exit does not wait for its blocked writer.
  EXPECT_EQ(serve.terminate(20s), 0);
}

}  // namespace
}  // namespace servir::server
