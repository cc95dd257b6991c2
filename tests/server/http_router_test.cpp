// The routes over real HTTP, with a scripted backend standing in for the
// engine (fake_backend.h) and the protocol tests' byte-level model.
#include "server/router.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <thread>

#include "fake_backend.h"
#include "http_test_client.h"
#include "protocol_fixture.h"
#include "server/http_server.h"

namespace servir::server {
namespace {

using testing::TestClient;
using namespace std::chrono_literals;

struct RouterServer {
  testing::TestModel model;
  testing::FakeBackend backend;
  std::unique_ptr<ServerContext> ctx;
  std::unique_ptr<HttpServer> http;

  explicit RouterServer(ServerOptions options = {}, bool ready = true,
                        std::chrono::milliseconds tick = std::chrono::milliseconds(1))
      : backend(tick) {
    auto keys = ApiKeySet::load(options.api_keys, "", "");
    EXPECT_TRUE(keys.ok());
    options.http.port = 0;
    ctx = std::make_unique<ServerContext>(options, std::move(keys).value(), AccessLog::disabled(), "test-model");
    auto started = HttpServer::start(options.http, make_router(*ctx));
    EXPECT_TRUE(started.ok()) << started.status().to_string();
    http = std::move(started).value();
    if (ready) ctx->set_ready(&backend, &model.served);
  }
  ~RouterServer() {
    backend.stop();  // every sink got its last output
    http->stop();
  }
  int port() const { return http->port(); }
};

const std::string kChat = R"({"model":"test-model","messages":[{"role":"user","content":"hi"}],"max_tokens":4})";

std::string completion_body(int max_tokens, bool stream, const std::string& extra = {}) {
  return fmt::format(R"({{"model":"test-model","prompt":"hello","max_tokens":{},"stream":{}{}}})", max_tokens, stream,
                     extra);
}

// The "data: " payloads of an SSE body, checking the framing on the way.
std::vector<std::string> sse_payloads(const std::string& body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto end = body.find("\n\n", pos);
    EXPECT_NE(end, std::string::npos) << "unterminated event at " << pos;
    if (end == std::string::npos) break;
    const std::string event = body.substr(pos, end - pos);
    EXPECT_EQ(event.rfind("data: ", 0), 0u) << event;
    out.push_back(event.substr(6));
    pos = end + 2;
  }
  return out;
}

template <typename Predicate>
bool eventually(Predicate p, std::chrono::milliseconds timeout = 2s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!p()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

TEST(HttpRouterTest, ChatCompletion) {
  RouterServer server;
  TestClient client(server.port());
  auto res = client.request("POST", "/v1/chat/completions", kChat, {{"X-Request-Id", "my-id-1"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("X-Request-Id"), "my-id-1");
  const auto j = nlohmann::json::parse(res.body);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["choices"][0]["message"]["content"], "aaaa");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(j["usage"]["completion_tokens"], 4);
  EXPECT_EQ(server.ctx->in_flight.count(), 0);
}

TEST(HttpRouterTest, StreamedCompletionIsFramedAsSseAndEndsWithDone) {
  RouterServer server;
  TestClient client(server.port());
  auto res = client.request("POST", "/v1/completions", completion_body(3, true));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(res.header("Cache-Control"), "no-cache");
  EXPECT_FALSE(res.header("X-Request-Id").empty());
  const auto events = sse_payloads(res.body);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back(), "[DONE]");
  std::string text;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    const auto chunk = nlohmann::json::parse(events[i]);
    EXPECT_EQ(chunk["object"], "text_completion");
    text += chunk["choices"][0]["text"].get<std::string>();
  }
  EXPECT_EQ(text, "aaa");
  // Keep-alive after a stream.
  EXPECT_EQ(client.request("GET", "/health").status, 200);
}

TEST(HttpRouterTest, BadJsonAndUnknownRoutes) {
  RouterServer server;
  TestClient client(server.port());
  auto bad = client.request("POST", "/v1/chat/completions", R"({"model": "test-model", "messages": [)");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(nlohmann::json::parse(bad.body)["error"]["type"], "invalid_request_error");
  auto missing = client.request("POST", "/v1/chat/completions", R"({"model":"test-model"})");
  EXPECT_EQ(missing.status, 400);
  auto unknown = client.request("GET", "/v1/nothing");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(client.request("GET", "/v1/chat/completions").status, 405);  // wrong method
  EXPECT_EQ(server.backend.stats().running, 0);
}

// HEAD on every GET route: the GET's status and headers, Content-Length of
// its body, and no body (the next response on the connection is intact).
TEST(HttpRouterTest, HeadOnGetRoutesAnswersTheHeadOnly) {
  RouterServer server;
  TestClient client(server.port());
  for (const std::string path : {"/health", "/ready", "/version", "/v1/models", "/metrics", "/health/"}) {
    const auto get = client.request("GET", path);
    ASSERT_EQ(get.status, 200) << path;
    client.send("HEAD", path);
    const auto head = client.read_head();
    ASSERT_TRUE(head.ok) << path;
    EXPECT_EQ(head.status, 200) << path;
    EXPECT_EQ(head.header("Content-Type"), get.header("Content-Type")) << path;
    EXPECT_FALSE(head.header("X-Request-Id").empty()) << path;
    const std::string length = head.header("Content-Length");
    ASSERT_FALSE(length.empty()) << path;
    if (path == "/metrics") {
      EXPECT_GT(std::stoul(length), 0u);  // the numbers move between scrapes
    } else {
      EXPECT_EQ(length, std::to_string(get.body.size())) << path;
    }
  }
  const auto after = client.request("GET", "/version");
  ASSERT_TRUE(after.ok) << after.error;
  EXPECT_TRUE(nlohmann::json::parse(after.body).contains("version"));
}

TEST(HttpRouterTest, AKnownPathWithTheWrongMethodIs405WithAllow) {
  RouterServer server;
  TestClient client(server.port());
  struct Case {
    std::string method, path, allow;
  };
  const Case cases[] = {{"POST", "/health", "GET, HEAD"},        {"DELETE", "/v1/models", "GET, HEAD"},
                        {"GET", "/v1/chat/completions", "POST"}, {"PUT", "/v1/completions/", "POST"},
                        {"OPTIONS", "/metrics", "GET, HEAD"},    {"GET", "/tokenize", "POST"}};
  for (const Case& c : cases) {
    const auto res = client.request(c.method, c.path);
    ASSERT_TRUE(res.ok) << c.method << " " << c.path << ": " << res.error;
    EXPECT_EQ(res.status, 405) << c.method << " " << c.path;
    EXPECT_EQ(res.header("Allow"), c.allow) << c.method << " " << c.path;
    const auto j = nlohmann::json::parse(res.body);
    EXPECT_EQ(j["error"]["type"], "invalid_request_error");
    EXPECT_EQ(j["error"]["code"], "method_not_allowed");
    EXPECT_NE(j["error"]["message"].get<std::string>().find(c.method), std::string::npos);
  }
  // HEAD on a POST route: 405 too, head only.
  client.send("HEAD", "/v1/completions");
  const auto head = client.read_head();
  ASSERT_TRUE(head.ok);
  EXPECT_EQ(head.status, 405);
  EXPECT_EQ(head.header("Allow"), "POST");
  EXPECT_EQ(client.request("GET", "/health").status, 200);
  // A route hidden without --enable-test-hooks stays unknown.
  EXPECT_EQ(client.request("GET", "/debug/stall").status, 404);
  EXPECT_EQ(server.backend.stats().running, 0);
}

TEST(HttpRouterTest, UnknownFieldsAreListedInAHeader) {
  RouterServer server;
  TestClient client(server.port());
  auto res = client.request("POST", "/v1/completions", completion_body(1, false, R"(,"frobnicate":1)"));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("X-Servir-Ignored-Fields"), "frobnicate");
}

TEST(HttpRouterTest, KeysGuardTheApiButNotTheProbes) {
  ServerOptions options;
  options.api_keys = {"sk-test"};
  RouterServer server(options);
  TestClient client(server.port());
  auto none = client.request("POST", "/v1/chat/completions", kChat);
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(nlohmann::json::parse(none.body)["error"]["code"], "invalid_api_key");
  EXPECT_EQ(client.request("POST", "/v1/chat/completions", kChat, {{"Authorization", "Bearer sk-wrong"}}).status, 401);
  EXPECT_EQ(client.request("POST", "/tokenize", R"({"prompt":"x"})").status, 401);
  EXPECT_EQ(client.request("GET", "/v1/models").status, 401);
  EXPECT_EQ(client.request("POST", "/v1/chat/completions", kChat, {{"Authorization", "Bearer sk-test"}}).status, 200);
  EXPECT_EQ(client.request("GET", "/health").status, 200);
  EXPECT_EQ(client.request("GET", "/ready").status, 200);
  EXPECT_EQ(client.request("GET", "/version").status, 200);
  auto metrics = client.request("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("servir_auth_failures_total"), std::string::npos);
}

TEST(HttpRouterTest, MetricsAuthProtectsMetrics) {
  ServerOptions options;
  options.api_keys = {"sk-test"};
  options.metrics_auth = true;
  RouterServer server(options);
  TestClient client(server.port());
  EXPECT_EQ(client.request("GET", "/metrics").status, 401);
  EXPECT_EQ(client.request("GET", "/metrics", {}, {{"Authorization", "Bearer sk-test"}}).status, 200);
}

TEST(HttpRouterTest, FullQueueIs429WithRetryAfter) {
  RouterServer server;
  server.backend.max_live = 0;
  TestClient client(server.port());
  const auto t0 = std::chrono::steady_clock::now();
  auto res = client.request("POST", "/v1/chat/completions", kChat);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);  // refused at once, not queued
  EXPECT_EQ(res.status, 429);
  EXPECT_FALSE(res.header("Retry-After").empty());
  EXPECT_EQ(nlohmann::json::parse(res.body)["error"]["code"], "queue_full");
  EXPECT_EQ(server.ctx->in_flight.count(), 0);
}

TEST(HttpRouterTest, RateLimitIs429WithOpenAiHeaders) {
  ServerOptions options;
  options.rate_limits.requests_per_minute = 1;
  RouterServer server(options);
  TestClient client(server.port());
  auto first = client.request("POST", "/v1/completions", completion_body(1, false));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("x-ratelimit-limit-requests"), "1");
  EXPECT_EQ(first.header("x-ratelimit-remaining-requests"), "0");
  auto second = client.request("POST", "/v1/completions", completion_body(1, false));
  EXPECT_EQ(second.status, 429);
  EXPECT_EQ(second.header("Retry-After"), "60");
  EXPECT_EQ(second.header("x-ratelimit-remaining-requests"), "0");
  EXPECT_EQ(nlohmann::json::parse(second.body)["error"]["code"], "rate_limit_exceeded");
}

TEST(HttpRouterTest, RequestTimeoutBecomesTheEngineDeadline) {
  ServerOptions options;
  options.request_timeout = 5s;
  RouterServer server(options);
  TestClient client(server.port());
  const auto before = EngineClock::now();
  ASSERT_EQ(client.request("POST", "/v1/completions", completion_body(1, false)).status, 200);
  const auto deadlines = server.backend.submitted_deadlines();
  ASSERT_EQ(deadlines.size(), 1u);
  ASSERT_TRUE(deadlines[0].has_value());
  EXPECT_GE(*deadlines[0], before + 5s);
  EXPECT_LE(*deadlines[0], EngineClock::now() + 5s);

  RouterServer unlimited;
  TestClient other(unlimited.port());
  ASSERT_EQ(other.request("POST", "/v1/completions", completion_body(1, false)).status, 200);
  EXPECT_FALSE(unlimited.backend.submitted_deadlines().at(0).has_value());
}

TEST(HttpRouterTest, HealthFailsWhileTheEngineLoopIsStalled) {
  ServerOptions options;
  options.health_stale = 150ms;
  options.enable_test_hooks = true;
  RouterServer server(options);
  TestClient client(server.port());
  EXPECT_EQ(client.request("GET", "/health").status, 200);
  EXPECT_EQ(client.request("POST", "/debug/stall?ms=800").status, 200);
  EXPECT_TRUE(eventually([&] { return client.request("GET", "/health").status == 503; }));
  EXPECT_TRUE(eventually([&] { return client.request("GET", "/health").status == 200; }));
}

TEST(HttpRouterTest, TestHooksAreOffByDefault) {
  RouterServer server;
  TestClient client(server.port());
  EXPECT_EQ(client.request("POST", "/debug/stall?ms=800").status, 404);
}

TEST(HttpRouterTest, ReadinessFollowsLoadingAndDraining) {
  RouterServer server(ServerOptions{}, /*ready=*/false);
  TestClient client(server.port());
  EXPECT_EQ(client.request("GET", "/ready").status, 503);
  EXPECT_EQ(client.request("GET", "/health").status, 503);
  auto loading = client.request("POST", "/v1/chat/completions", kChat);
  EXPECT_EQ(loading.status, 503);
  EXPECT_FALSE(loading.header("Retry-After").empty());
  server.ctx->set_ready(&server.backend, &server.model.served);
  EXPECT_EQ(client.request("GET", "/ready").status, 200);
  server.ctx->state = ServingState::kDraining;
  EXPECT_EQ(client.request("GET", "/ready").status, 503);
  EXPECT_EQ(client.request("POST", "/v1/chat/completions", kChat).status, 503);
  EXPECT_EQ(client.request("GET", "/health").status, 200);  // alive, just not taking work
}

TEST(HttpRouterTest, DisconnectMidStreamAbortsTheRequest) {
  RouterServer server(ServerOptions{}, true, 5ms);
  TestClient client(server.port());
  client.send("POST", "/v1/completions", completion_body(200, true));
  auto head = client.read_head();
  ASSERT_EQ(head.status, 200);
  client.close();
  EXPECT_TRUE(eventually([&] { return !server.backend.aborted_ids().empty(); }, 1s));
  EXPECT_TRUE(eventually([&] { return server.ctx->in_flight.count() == 0; }));
  EXPECT_TRUE(eventually([&] { return server.backend.live_requests() == 0; }));
}

TEST(HttpRouterTest, DisconnectWhileWaitingForAWholeResponseAbortsToo) {
  RouterServer server(ServerOptions{}, true, 5ms);
  TestClient client(server.port());
  client.send("POST", "/v1/completions", completion_body(200, false));
  ASSERT_TRUE(eventually([&] { return server.backend.live_requests() == 1; }));
  client.close();
  EXPECT_TRUE(eventually([&] { return !server.backend.aborted_ids().empty(); }, 1s));
  EXPECT_TRUE(eventually([&] { return server.backend.live_requests() == 0; }));
}

TEST(HttpRouterTest, ShutdownAbortEndsStreamsWithAnErrorEvent) {
  RouterServer server(ServerOptions{}, true, 5ms);
  TestClient client(server.port());
  std::thread drainer([&] {
    ASSERT_TRUE(eventually([&] { return server.ctx->in_flight.count() == 1; }));
    std::this_thread::sleep_for(20ms);
    server.ctx->in_flight.abort_all();
  });
  auto res = client.request("POST", "/v1/completions", completion_body(200, true));
  drainer.join();
  ASSERT_EQ(res.status, 200);
  const auto events = sse_payloads(res.body);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events.back(), "[DONE]");
  const auto error = nlohmann::json::parse(events[events.size() - 2]);
  ASSERT_TRUE(error.contains("error")) << events[events.size() - 2];
  EXPECT_EQ(error["error"]["code"], "service_unavailable");
}

TEST(HttpRouterTest, TokenizeAndModels) {
  RouterServer server;
  TestClient client(server.port());
  auto tok = client.request("POST", "/tokenize", R"({"prompt":"hi"})");
  ASSERT_EQ(tok.status, 200) << tok.body;
  EXPECT_GE(nlohmann::json::parse(tok.body)["count"].get<int>(), 2);
  auto models = client.request("GET", "/v1/models");
  ASSERT_EQ(models.status, 200);
  EXPECT_EQ(nlohmann::json::parse(models.body)["data"][0]["id"], "test-model");
}

}  // namespace
}  // namespace servir::server
