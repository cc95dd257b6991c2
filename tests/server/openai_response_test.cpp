// Response and stream-chunk shapes built from engine outputs.
#include <gtest/gtest.h>

#include "server/openai_response.h"
#include "server/protocol_fixture.h"

namespace servir::server {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

class OpenAiResponse : public ::testing::Test {
 protected:
  ParsedRequest parse(Endpoint endpoint, std::string_view body) {
    auto r = parse_openai_request(endpoint, ordered_json::parse(body), model_.served);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return std::move(r).value();
  }

  static ChoiceDelta delta(int index, std::vector<std::int32_t> ids, std::string text,
                           FinishReason finish = FinishReason::kNone) {
    ChoiceDelta d;
    d.index = index;
    d.token_ids = std::move(ids);
    d.text = std::move(text);
    d.finish_reason = finish;
    return d;
  }

  static RequestOutput output(std::vector<ChoiceDelta> choices, int prompt_tokens, int completion_tokens,
                              bool finished) {
    RequestOutput o;
    o.choices = std::move(choices);
    o.prompt_tokens = prompt_tokens;
    o.completion_tokens = completion_tokens;
    o.finished = finished;
    return o;
  }

  static std::vector<json> parse_all(const std::vector<std::string>& chunks) {
    std::vector<json> out;
    for (const auto& c : chunks) out.push_back(json::parse(c));
    return out;
  }

  testing::TestModel model_;
};

TEST_F(OpenAiResponse, ResponseIdsUseTheClientsRequestIdOrARandomOne) {
  EXPECT_EQ(make_response_id(Endpoint::kChatCompletions, "abc"), "chatcmpl-abc");
  EXPECT_EQ(make_response_id(Endpoint::kCompletions, "abc"), "cmpl-abc");
  const std::string a = make_response_id(Endpoint::kChatCompletions, "");
  const std::string b = make_response_id(Endpoint::kChatCompletions, "");
  EXPECT_EQ(a.rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(a.size(), std::string("chatcmpl-").size() + 24);
  EXPECT_NE(a, b);
}

TEST_F(OpenAiResponse, NonStreamingChatCompletion) {
  const auto req = parse(Endpoint::kChatCompletions,
                         R"({"model": "alias", "messages": [{"role": "user", "content": "hi"}], "stop": ["!"]})");
  ResponseAccumulator acc(req, model_.served, "chatcmpl-1", 1234);
  EXPECT_TRUE(acc.add(0, output({delta(0, {72}, "He")}, 21, 1, false)).empty());
  EXPECT_FALSE(acc.finished());
  auto last = delta(0, {108, 33}, "llo", FinishReason::kStop);
  last.stop_string = "!";
  RequestOutput fin = output({last}, 21, 3, true);
  fin.cached_prompt_tokens = 16;
  EXPECT_TRUE(acc.add(0, fin).empty());
  ASSERT_TRUE(acc.finished());
  EXPECT_FALSE(acc.failure().has_value());

  const json body = json::parse(acc.final_body());
  EXPECT_EQ(body["id"], "chatcmpl-1");
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["created"], 1234);
  EXPECT_EQ(body["model"], "alias");
  ASSERT_EQ(body["choices"].size(), 1u);
  const json& choice = body["choices"][0];
  EXPECT_EQ(choice["index"], 0);
  EXPECT_EQ(choice["message"], (json{{"role", "assistant"}, {"content", "Hello"}}));
  EXPECT_TRUE(choice["logprobs"].is_null());
  EXPECT_EQ(choice["finish_reason"], "stop");
  EXPECT_EQ(choice["stop_reason"], "!");
  EXPECT_EQ(body["usage"], (json{{"prompt_tokens", 21},
                                 {"completion_tokens", 3},
                                 {"total_tokens", 24},
                                 {"prompt_tokens_details", {{"cached_tokens", 16}}}}));
}

TEST_F(OpenAiResponse, StreamingChatWithUsage) {
  const auto req =
      parse(Endpoint::kChatCompletions, R"({"model": "test-model", "messages": [{"role": "user", "content": "hi"}],
            "stream": true, "stream_options": {"include_usage": true}})");
  ResponseAccumulator acc(req, model_.served, "chatcmpl-s", 99);
  auto first = parse_all(acc.add(0, output({delta(0, {72, 105}, "Hi")}, 21, 2, false)));
  auto empty = acc.add(0, output({delta(0, {}, "")}, 21, 2, false));  // no news: no chunk
  EXPECT_TRUE(empty.empty());
  auto last = parse_all(acc.add(0, output({delta(0, {33}, "!", FinishReason::kLength)}, 21, 3, true)));
  ASSERT_TRUE(acc.finished());

  ASSERT_EQ(first.size(), 1u);
  const json& c0 = first[0];
  EXPECT_EQ(c0["id"], "chatcmpl-s");
  EXPECT_EQ(c0["object"], "chat.completion.chunk");
  EXPECT_EQ(c0["created"], 99);
  EXPECT_EQ(c0["model"], "test-model");
  EXPECT_TRUE(c0.contains("usage") && c0["usage"].is_null());
  EXPECT_EQ(c0["choices"][0]["delta"], (json{{"role", "assistant"}, {"content", "Hi"}}));
  EXPECT_TRUE(c0["choices"][0]["finish_reason"].is_null());

  // The final delta's text and its finish_reason, then the usage chunk.
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0]["choices"][0]["delta"], (json{{"content", "!"}}));
  EXPECT_EQ(last[0]["choices"][0]["finish_reason"], "length");
  EXPECT_TRUE(last[0]["choices"][0]["stop_reason"].is_null());
  EXPECT_EQ(last[1]["choices"], json::array());
  EXPECT_EQ(last[1]["usage"]["prompt_tokens"], 21);
  EXPECT_EQ(last[1]["usage"]["completion_tokens"], 3);
  EXPECT_EQ(last[1]["usage"]["total_tokens"], 24);
}

TEST_F(OpenAiResponse, StreamingWithoutUsageHasNoUsageKeyAndAnnouncesTheRoleFirst) {
  const auto req = parse(Endpoint::kChatCompletions,
                         R"({"model": "test-model", "messages": [{"role": "user", "content": "hi"}], "stream": true})");
  ResponseAccumulator acc(req, model_.served, "c", 1);
  // A first output with no text still announces the role.
  auto role = parse_all(acc.add(0, output({delta(0, {}, "")}, 21, 0, false)));
  ASSERT_EQ(role.size(), 1u);
  EXPECT_EQ(role[0]["choices"][0]["delta"], (json{{"role", "assistant"}, {"content", ""}}));
  EXPECT_FALSE(role[0].contains("usage"));
  auto end = parse_all(acc.add(0, output({delta(0, {}, "", FinishReason::kStop)}, 21, 1, true)));
  ASSERT_EQ(end.size(), 1u);  // no usage chunk
  EXPECT_EQ(end[0]["choices"][0]["delta"], json::object());
  EXPECT_EQ(end[0]["choices"][0]["finish_reason"], "stop");
}

TEST_F(OpenAiResponse, TwoChoicesKeepTheirOwnText) {
  const auto req = parse(Endpoint::kChatCompletions,
                         R"({"model": "test-model", "messages": [{"role": "user", "content": "hi"}], "n": 2})");
  ResponseAccumulator acc(req, model_.served, "c", 1);
  (void)acc.add(0, output({delta(0, {1}, "a"), delta(1, {2}, "x")}, 21, 2, false));
  auto stop = delta(1, {258}, "", FinishReason::kStop);
  stop.stop_token = 258;  // the model's EOS: no stop_reason
  (void)acc.add(0, output({delta(0, {3}, "b", FinishReason::kLength), stop}, 21, 3, true));
  const json body = json::parse(acc.final_body());
  ASSERT_EQ(body["choices"].size(), 2u);
  EXPECT_EQ(body["choices"][0]["message"]["content"], "ab");
  EXPECT_EQ(body["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(body["choices"][1]["index"], 1);
  EXPECT_EQ(body["choices"][1]["message"]["content"], "x");
  EXPECT_EQ(body["choices"][1]["finish_reason"], "stop");
  EXPECT_TRUE(body["choices"][1]["stop_reason"].is_null());
  EXPECT_EQ(body["usage"]["completion_tokens"], 3);
}

TEST_F(OpenAiResponse, StopTokenTheClientListedIsTheStopReason) {
  const auto req = parse(Endpoint::kChatCompletions, R"({"model": "test-model", "stop_token_ids": [7],
                         "messages": [{"role": "user", "content": "hi"}]})");
  ResponseAccumulator acc(req, model_.served, "c", 1);
  auto d = delta(0, {7}, "", FinishReason::kStop);
  d.stop_token = 7;
  (void)acc.add(0, output({d}, 21, 1, true));
  EXPECT_EQ(acc.final_json()["choices"][0]["stop_reason"], 7);
}

TEST_F(OpenAiResponse, ChatLogprobsHaveOpenAiShape) {
  const auto req = parse(Endpoint::kChatCompletions, R"({"model": "test-model", "logprobs": true, "top_logprobs": 2,
                         "messages": [{"role": "user", "content": "hi"}], "stream": true})");
  ResponseAccumulator acc(req, model_.served, "c", 1);
  auto d = delta(0, {'H', 0xC3}, "H");
  d.logprobs = {{.token = 'H', .logprob = -0.5f, .top = {{'H', -0.5f}, {'h', -1.5f}}},
                {.token = 0xC3, .logprob = -2.0f, .top = {}}};
  auto chunks = parse_all(acc.add(0, output({d}, 21, 2, false)));
  ASSERT_EQ(chunks.size(), 1u);
  const json& content = chunks[0]["choices"][0]["logprobs"]["content"];
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0]["token"], "H");
  EXPECT_FLOAT_EQ(content[0]["logprob"].get<float>(), -0.5f);
  EXPECT_EQ(content[0]["bytes"], (json{72}));
  ASSERT_EQ(content[0]["top_logprobs"].size(), 2u);
  EXPECT_EQ(content[0]["top_logprobs"][1]["token"], "h");
  EXPECT_EQ(content[0]["top_logprobs"][1]["bytes"], (json{104}));
  // A lone byte of a multi-byte character: the token text is repaired, the
  // bytes are exact.
  EXPECT_EQ(content[1]["token"], "\xef\xbf\xbd");
  EXPECT_EQ(content[1]["bytes"], (json{0xC3}));

  (void)acc.add(0, output({delta(0, {}, "", FinishReason::kStop)}, 21, 2, true));
  const json body = acc.final_json();
  EXPECT_EQ(body["choices"][0]["logprobs"]["content"].size(), 2u);
}

TEST_F(OpenAiResponse, CompletionsWithSeveralPromptsNumberChoicesPromptMajor) {
  const auto req =
      parse(Endpoint::kCompletions, R"({"model": "test-model", "prompt": ["ab", "cd"], "n": 2, "logprobs": 1})");
  ResponseAccumulator acc(req, model_.served, "cmpl-x", 5);
  auto lp = [](std::int32_t id) { return TokenLogprob{.token = id, .logprob = -1.0f, .top = {{id, -1.0f}}}; };
  auto d10 = delta(0, {'X'}, "X", FinishReason::kLength);
  d10.logprobs = {lp('X')};
  auto d11 = delta(1, {'Y', 'Z'}, "YZ", FinishReason::kLength);
  d11.logprobs = {lp('Y'), lp('Z')};
  auto d00 = delta(0, {'P'}, "P", FinishReason::kLength);
  d00.logprobs = {lp('P')};
  auto d01 = delta(1, {'Q'}, "Q", FinishReason::kStop);
  d01.logprobs = {lp('Q')};
  // The second prompt finishes first; outputs of prompts interleave.
  (void)acc.add(1, output({d10, d11}, 3, 3, true));
  EXPECT_FALSE(acc.finished());
  (void)acc.add(0, output({d00, d01}, 3, 2, true));
  ASSERT_TRUE(acc.finished());
  const json body = json::parse(acc.final_body());
  EXPECT_EQ(body["object"], "text_completion");
  ASSERT_EQ(body["choices"].size(), 4u);
  const char* texts[] = {"P", "Q", "X", "YZ"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(body["choices"][i]["index"], i);
    EXPECT_EQ(body["choices"][i]["text"], texts[i]);
  }
  const json& lp3 = body["choices"][3]["logprobs"];
  EXPECT_EQ(lp3["tokens"], (json{"Y", "Z"}));
  EXPECT_EQ(lp3["token_logprobs"], (json{-1.0, -1.0}));
  EXPECT_EQ(lp3["top_logprobs"], (json{{{"Y", -1.0}}, {{"Z", -1.0}}}));
  EXPECT_EQ(lp3["text_offset"], (json{0, 1}));
  EXPECT_EQ(body["usage"]["prompt_tokens"], 6);
  EXPECT_EQ(body["usage"]["completion_tokens"], 5);
}

TEST_F(OpenAiResponse, CompletionsEchoPrependsThePrompt) {
  const auto req = parse(Endpoint::kCompletions, R"({"model": "test-model", "prompt": "Once", "echo": true,
                         "stream": true})");
  ResponseAccumulator acc(req, model_.served, "cmpl-e", 5);
  auto chunks = parse_all(acc.add(0, output({delta(0, {' '}, " upon")}, 5, 1, false)));
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0]["object"], "text_completion");
  EXPECT_EQ(chunks[0]["choices"][0]["text"], "Once upon");
  chunks = parse_all(acc.add(0, output({delta(0, {'a'}, " a", FinishReason::kLength)}, 5, 2, true)));
  EXPECT_EQ(chunks[0]["choices"][0]["text"], " a");
  EXPECT_EQ(chunks[0]["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(acc.final_json()["choices"][0]["text"], "Once upon a");
}

TEST_F(OpenAiResponse, AbortsAndErrors) {
  const auto req = parse(Endpoint::kChatCompletions,
                         R"({"model": "test-model", "messages": [{"role": "user", "content": "hi"}], "n": 2})");
  {
    ResponseAccumulator acc(req, model_.served, "c", 1);
    RequestOutput o = output({delta(0, {1}, "a", FinishReason::kAbort)}, 21, 1, true);
    o.error = Status(ErrorCode::kUnavailable, "deadline");
    (void)acc.add(0, o);
    ASSERT_TRUE(acc.finished());
    EXPECT_FALSE(acc.failure().has_value());  // an abort is an answer, not a failure
    const json body = acc.final_json();
    EXPECT_EQ(body["choices"][0]["finish_reason"], "abort");
    EXPECT_EQ(body["choices"][1]["finish_reason"], "abort");  // never got an output
  }
  {
    // Streaming: the choice that never got an output is closed too.
    auto streamed = req;
    streamed.stream = true;
    ResponseAccumulator acc(streamed, model_.served, "c", 1);
    RequestOutput o = output({delta(0, {1}, "a", FinishReason::kAbort)}, 21, 1, true);
    o.error = Status(ErrorCode::kUnavailable, "deadline");
    auto chunks = parse_all(acc.add(0, o));
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunks[0]["choices"][0]["finish_reason"], "abort");
    EXPECT_EQ(chunks[1]["choices"][0]["index"], 1);
    EXPECT_EQ(chunks[1]["choices"][0]["delta"], (json{{"role", "assistant"}, {"content", ""}}));
    EXPECT_EQ(chunks[1]["choices"][0]["finish_reason"], "abort");
  }
  {
    ResponseAccumulator acc(req, model_.served, "c", 1);
    RequestOutput o = output({delta(0, {}, "", FinishReason::kError)}, 21, 0, true);
    o.error = Status(ErrorCode::kInternal, "forward failed");
    (void)acc.add(0, o);
    ASSERT_TRUE(acc.failure().has_value());
    EXPECT_EQ(acc.failure()->code(), ErrorCode::kInternal);
  }
  {
    // Outputs for an unknown prompt or choice are dropped, not trusted.
    ResponseAccumulator acc(req, model_.served, "c", 1);
    EXPECT_TRUE(acc.add(5, output({delta(0, {1}, "a")}, 21, 1, true)).empty());
    EXPECT_TRUE(acc.add(0, output({delta(7, {1}, "a")}, 21, 1, false)).empty());
    EXPECT_FALSE(acc.finished());
  }
}

}  // namespace
}  // namespace servir::server
