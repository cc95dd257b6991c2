// The access log line: its fields, no prompt text unless asked, no keys.
#include "server/access_log.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "fake_backend.h"
#include "http_test_client.h"
#include "protocol_fixture.h"
#include "server/http_server.h"
#include "server/router.h"
#include "testing/test_paths.h"

namespace servir::server {
namespace {

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

}  // namespace
}  // namespace servir::server
