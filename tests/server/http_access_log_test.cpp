// The access log line: its fields, no prompt text unless asked, no keys;
// and its queue: a stuck destination never blocks the threads that log.
#include "server/access_log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "fake_backend.h"
#include "http_test_client.h"
#include "protocol_fixture.h"
#include "server/http_server.h"
#include "server/router.h"
#include "testing/test_paths.h"

namespace servir::server {
namespace {

using namespace std::chrono_literals;

// A destination that blocks every write until the test opens it: as far as
// the log can tell, a pipe nobody reads. The state is shared so that a
// writer thread the log left behind can still finish once the test opens it.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  int writes_started = 0;
  std::vector<std::string> lines;

  void let_through() {
    std::lock_guard lock(mu);
    open = true;
    cv.notify_all();
  }
  bool wait_for_writes_started(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 5s, [&] { return writes_started >= n; });
  }
  std::vector<std::string> written() {
    std::lock_guard lock(mu);
    return lines;
  }
};

class GatedSink final : public LineSink {
 public:
  explicit GatedSink(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}
  void write_line(std::string_view line) override {
    std::unique_lock lock(gate_->mu);
    ++gate_->writes_started;
    gate_->cv.notify_all();
    gate_->cv.wait(lock, [this] { return gate_->open; });
    gate_->lines.emplace_back(line);
  }

 private:
  std::shared_ptr<Gate> gate_;
};

AccessRecord numbered_record(int i) {
  AccessRecord r;
  r.request_id = fmt::format("req-{}", i);
  r.status = 200;
  return r;
}

AccessRecord sample_record() {
  AccessRecord r;
  r.request_id = "req-1";
  r.key_id = "1a2b3c4d";
  r.client = "127.0.0.1";
  r.method = "POST";
  r.path = "/v1/completions";
  r.status = 200;
  r.stream = true;
  r.prompt_tokens = 12;
  r.completion_tokens = 40;
  r.finish_reason = "stop";
  r.queue_ms = 0.44;
  r.ttft_ms = 35.06;
  r.total_ms = 810.25;
  r.prompt = "secret prompt \xff";
  return r;
}

TEST(HttpAccessLogTest, FormatsOneJsonObjectPerLine) {
  const std::string line = AccessLog::format(sample_record(), /*include_prompt=*/false);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["request_id"], "req-1");
  EXPECT_EQ(j["key_id"], "1a2b3c4d");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["prompt_tokens"], 12);
  EXPECT_EQ(j["completion_tokens"], 40);
  EXPECT_DOUBLE_EQ(j["queue_ms"].get<double>(), 0.4);
  EXPECT_DOUBLE_EQ(j["ttft_ms"].get<double>(), 35.1);
  EXPECT_DOUBLE_EQ(j["total_ms"].get<double>(), 810.3);
  EXPECT_TRUE(j.contains("ts"));
  EXPECT_FALSE(j.contains("prompt"));
  EXPECT_EQ(line.find("secret"), std::string::npos);
}

TEST(HttpAccessLogTest, PromptsOnlyWhenAskedAndAlwaysValidUtf8) {
  const auto j = nlohmann::json::parse(AccessLog::format(sample_record(), /*include_prompt=*/true, false));
  EXPECT_FALSE(j.contains("ts"));
  EXPECT_EQ(j["prompt"].get<std::string>().rfind("secret prompt ", 0), 0u);
}

TEST(HttpAccessLogTest, RequestsAreLoggedWithKeyIdsNotKeys) {
  servir::testing::TempDir dir;
  const auto path = (dir / "access.log").string();
  {
    testing::TestModel model;
    testing::FakeBackend backend;
    ServerOptions options;
    options.api_keys = {"sk-very-secret"};
    auto keys = ApiKeySet::load(options.api_keys, "", "");
    ASSERT_TRUE(keys.ok());
    auto log = AccessLog::open(path, false);
    ASSERT_TRUE(log.ok());
    ServerContext ctx(options, std::move(*keys), std::move(*log), "test-model");
    options.http.port = 0;
    auto http = HttpServer::start(options.http, make_router(ctx));
    ASSERT_TRUE(http.ok());
    ctx.set_ready(&backend, &model.served);
    testing::TestClient client((*http)->port());
    auto ok =
        client.request("POST", "/v1/completions", R"({"model":"test-model","prompt":"do not log me","max_tokens":2})",
                       {{"Authorization", "Bearer sk-very-secret"}, {"X-Request-Id", "abc-123"}});
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(client.request("POST", "/v1/completions", "{}", {{"Authorization", "Bearer sk-wrong-key"}}).status, 401);
    backend.stop();
    (*http)->stop();
  }
  const std::string text = servir::testing::read_file(path);
  EXPECT_EQ(text.find("sk-very-secret"), std::string::npos);
  EXPECT_EQ(text.find("sk-wrong-key"), std::string::npos);
  EXPECT_EQ(text.find("do not log me"), std::string::npos);
  const auto first = nlohmann::json::parse(text.substr(0, text.find('\n')));
  EXPECT_EQ(first["request_id"], "abc-123");
  EXPECT_EQ(first["key_id"], ApiKeySet::key_id("sk-very-secret"));
  EXPECT_EQ(first["completion_tokens"], 2);
  EXPECT_EQ(first["finish_reason"], "length");
  EXPECT_NE(text.find("\"status\":401"), std::string::npos);
}

TEST(HttpAccessLogTest, AStuckDestinationNeverBlocksWritersAndDropsAreCounted) {
  auto gate = std::make_shared<Gate>();
  auto log = AccessLog::to_sink(std::make_unique<GatedSink>(gate),
                                {.max_queued_lines = 4, .flush_timeout = std::chrono::milliseconds(100)});
  log->write(numbered_record(0));
  ASSERT_TRUE(gate->wait_for_writes_started(1));  // the writer thread is stuck in line 0 now

  // 10 more lines from another thread: 4 fit the queue, 6 are dropped, and
  // none of it waits for the destination.
  auto writes = std::async(std::launch::async, [&log] {
    for (int i = 1; i <= 10; ++i) log->write(numbered_record(i));
  });
  ASSERT_EQ(writes.wait_for(5s), std::future_status::ready) << "write() blocked on a stuck destination";
  EXPECT_EQ(log->dropped_lines(), 6u);

  // Shutdown waits flush_timeout for the destination, then gives up.
  const auto t0 = std::chrono::steady_clock::now();
  log.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_TRUE(gate->written().empty());

  // The writer left behind finishes its line once the destination moves;
  // the 4 queued lines were given up (and counted) at shutdown.
  gate->let_through();
  for (int i = 0; i < 500 && gate->written().empty(); ++i) std::this_thread::sleep_for(2ms);
  std::this_thread::sleep_for(20ms);
  const auto lines = gate->written();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["request_id"], "req-0");
}

TEST(HttpAccessLogTest, ShutdownWritesWhatIsQueued) {
  auto gate = std::make_shared<Gate>();
  auto log = AccessLog::to_sink(std::make_unique<GatedSink>(gate), {.max_queued_lines = 100, .flush_timeout = 5000ms});
  for (int i = 0; i < 20; ++i) log->write(numbered_record(i));
  ASSERT_TRUE(gate->wait_for_writes_started(1));
  // The destination moves again only once shutdown has begun.
  std::thread opener([gate] {
    std::this_thread::sleep_for(100ms);
    gate->let_through();
  });
  log.reset();
  opener.join();
  const auto lines = gate->written();
  ASSERT_EQ(lines.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(nlohmann::json::parse(lines[i])["request_id"], fmt::format("req-{}", i));
}

TEST(HttpAccessLogTest, RequestsAreAnsweredWhileTheLogIsStuckAndMetricsCountTheDrops) {
  auto gate = std::make_shared<Gate>();
  {
    testing::TestModel model;
    testing::FakeBackend backend;
    ServerOptions options;
    auto keys = ApiKeySet::load({}, "", "");
    ASSERT_TRUE(keys.ok());
    auto log = AccessLog::to_sink(std::make_unique<GatedSink>(gate), {.max_queued_lines = 1, .flush_timeout = 50ms});
    ServerContext ctx(options, std::move(*keys), std::move(log), "test-model");
    options.http.port = 0;
    options.http.io_threads = 1;  // one blocked I/O thread would stall everything
    auto http = HttpServer::start(options.http, make_router(ctx));
    ASSERT_TRUE(http.ok());
    ctx.set_ready(&backend, &model.served);
    testing::TestClient client((*http)->port());
    for (int i = 0; i < 5; ++i) EXPECT_EQ(client.request("GET", "/v1/models").status, 200);
    // 5 lines: one in the stuck writer's hands, one queued, 3 dropped (or 4
    // when the second came before the writer took the first). A request's
    // line is queued once its response is written, so the client can ask
    // for /metrics before the last one is counted: read until it settles.
    std::string line;
    double dropped = 0;
    for (int attempt = 0; attempt < 100 && dropped < 3; ++attempt) {
      if (attempt > 0) std::this_thread::sleep_for(20ms);
      auto metrics = client.request("GET", "/metrics");
      ASSERT_EQ(metrics.status, 200);
      const auto at = metrics.body.find("\nservir_access_log_dropped_total{");
      ASSERT_NE(at, std::string::npos) << metrics.body;
      line = metrics.body.substr(at + 1, metrics.body.find('\n', at + 1) - at - 1);
      dropped = std::stod(line.substr(line.rfind(' ') + 1));
    }
    EXPECT_GE(dropped, 3) << line;
    backend.stop();
    (*http)->stop();
  }
  gate->let_through();
}

}  // namespace
}  // namespace servir::server
