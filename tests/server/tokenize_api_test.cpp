// /tokenize, /detokenize, /v1/models and /version bodies.
#include <gtest/gtest.h>

#include "server/protocol_fixture.h"
#include "server/tokenize_api.h"

namespace servir::server {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

TEST(TokenizeApi, TokenizesPromptsWithBosAndMessagesWithTheTemplate) {
  testing::TestModel m;
  auto r = tokenize_response(ordered_json::parse(R"({"model": "test-model", "prompt": "hi"})"), m.served);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, (json{{"count", 3}, {"max_model_len", 256}, {"tokens", {testing::kBos, 'h', 'i'}}}));

  auto plain = tokenize_response(ordered_json::parse(R"({"prompt": "hi", "add_special_tokens": false,
                                 "return_token_strs": true})"),
                                 m.served);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)["tokens"], (json{'h', 'i'}));
  EXPECT_EQ((*plain)["token_strs"], (json{"h", "i"}));

  auto chat = tokenize_response(
      ordered_json::parse(R"({"messages": [{"role": "user", "content": "hi"}], "add_generation_prompt": false})"),
      m.served);
  ASSERT_TRUE(chat.ok()) << chat.error().message;
  const auto expected =
      m.tokenizer.encode("<|im_start|>user\nhi<|im_end|>\n", {.add_special = false, .parse_special = true});
  EXPECT_EQ((*chat)["tokens"], json(expected));
  EXPECT_EQ((*chat)["count"], expected.size());
}

TEST(TokenizeApi, RefusesBadRequests) {
  testing::TestModel m;
  auto unknown = tokenize_response(ordered_json::parse(R"({"model": "nope", "prompt": "hi"})"), m.served);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().http_status, 404);
  EXPECT_EQ(unknown.error().code, "model_not_found");
  auto neither = tokenize_response(ordered_json::parse(R"({"model": "test-model"})"), m.served);
  ASSERT_FALSE(neither.ok());
  EXPECT_EQ(neither.error().param, "prompt");
  auto both = tokenize_response(ordered_json::parse(R"({"prompt": "a", "messages": []})"), m.served);
  EXPECT_FALSE(both.ok());
  auto empty = tokenize_response(ordered_json::parse(R"({"messages": []})"), m.served);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().param, "messages");
  auto wrong = tokenize_response(ordered_json::parse(R"({"prompt": 5})"), m.served);
  EXPECT_FALSE(wrong.ok());
}

TEST(TokenizeApi, Detokenizes) {
  testing::TestModel m;
  auto r = detokenize_response(ordered_json::parse(R"({"model": "test-model", "tokens": [104, 105]})"), m.served);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, (json{{"prompt", "hi"}}));
  for (const char* bad :
       {R"({})", R"({"tokens": "hi"})", R"({"tokens": [1, 259]})", R"({"tokens": [1.5]})", R"({"tokens": [-1]})"}) {
    auto e = detokenize_response(ordered_json::parse(bad), m.served);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().http_status, 400);
    EXPECT_EQ(e.error().param, "tokens");
  }
}

TEST(TokenizeApi, ModelsAndVersion) {
  testing::TestModel m;
  const json models = models_response(m.served);
  EXPECT_EQ(models["object"], "list");
  ASSERT_EQ(models["data"].size(), 2u);
  EXPECT_EQ(models["data"][0]["id"], "test-model");
  EXPECT_EQ(models["data"][1]["id"], "alias");
  EXPECT_EQ(models["data"][0]["object"], "model");
  EXPECT_EQ(models["data"][0]["created"], 1700000000);
  EXPECT_EQ(models["data"][0]["owned_by"], "servir");
  EXPECT_EQ(models["data"][0]["max_model_len"], 256);
  const json version = version_response();
  ASSERT_TRUE(version["version"].is_string());
  EXPECT_FALSE(version["version"].get<std::string>().empty());
  EXPECT_NE(version["version"], "unknown");
}

}  // namespace
}  // namespace servir::server
