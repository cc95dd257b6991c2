// The one ErrorCode -> HTTP mapping, OpenAI's error body, and the checks a
// raw request body passes before any field is read.
#include <gtest/gtest.h>

#include <string>

#include "server/api_error.h"
#include "server/json_body.h"

namespace servir::server {
namespace {

TEST(ApiError, MapsEveryCodeToOpenAiStatusTypeAndCode) {
  struct Row {
    ErrorCode code;
    std::string_view api_code;
    int status;
    std::string type;
    std::string code_string;
  };
  const Row rows[] = {
      {ErrorCode::kInvalidArgument, {}, 400, "invalid_request_error", ""},
      {ErrorCode::kCorruptData, {}, 400, "invalid_request_error", ""},
      {ErrorCode::kUnsupported, {}, 400, "invalid_request_error", "unsupported_parameter"},
      {ErrorCode::kUnsupported, api_code::kMethodNotAllowed, 405, "invalid_request_error", "method_not_allowed"},
      {ErrorCode::kContextLengthExceeded, {}, 400, "invalid_request_error", "context_length_exceeded"},
      {ErrorCode::kNotFound, {}, 404, "invalid_request_error", "model_not_found"},
      {ErrorCode::kUnauthenticated, {}, 401, "invalid_request_error", "invalid_api_key"},
      {ErrorCode::kRateLimited, {}, 429, "requests", "rate_limit_exceeded"},
      {ErrorCode::kResourceExhausted, {}, 429, "server_overloaded", "queue_full"},
      {ErrorCode::kResourceExhausted, api_code::kRequestTooLarge, 413, "invalid_request_error", "request_too_large"},
      {ErrorCode::kResourceExhausted, api_code::kHeadersTooLarge, 431, "invalid_request_error",
       "request_header_fields_too_large"},
      {ErrorCode::kUnavailable, {}, 503, "service_unavailable", "service_unavailable"},
      {ErrorCode::kInternal, {}, 500, "server_error", ""},
      {ErrorCode::kIoError, {}, 500, "server_error", ""},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(std::string(error_code_name(row.code)));
    const ApiError e = api_error(Status(row.code, "what went wrong"), {.code = row.api_code});
    EXPECT_EQ(e.http_status, row.status);
    EXPECT_EQ(http_status_for(row.code, row.api_code), row.status);
    EXPECT_EQ(e.type, row.type);
    EXPECT_EQ(e.code, row.code_string);
    EXPECT_EQ(e.error_code, row.code);
  }
}

TEST(ApiError, BodyHasOpenAiShapeWithNullsForAbsentParamAndCode) {
  const ApiError e = api_error(Status(ErrorCode::kInvalidArgument, "'n' must be in [1, 16], got 0."), {.param = "n"});
  const auto body = nlohmann::json::parse(e.body());
  ASSERT_TRUE(body.contains("error"));
  EXPECT_EQ(body["error"]["message"], "'n' must be in [1, 16], got 0.");
  EXPECT_EQ(body["error"]["type"], "invalid_request_error");
  EXPECT_EQ(body["error"]["param"], "n");
  EXPECT_TRUE(body["error"]["code"].is_null());
  EXPECT_EQ(body.size(), 1u);
  EXPECT_EQ(body["error"].size(), 4u);

  const auto none = nlohmann::json::parse(api_error(Status(ErrorCode::kInvalidArgument, "x")).body());
  EXPECT_TRUE(none["error"]["param"].is_null());
}

TEST(ApiError, InternalErrorsHideTheirDetailsButQuoteTheRequestId) {
  const ApiError e =
      api_error(Status(ErrorCode::kIoError, "/secret/path/model.gguf: mmap failed"), {.request_id = "req-42"});
  EXPECT_EQ(e.http_status, 500);
  EXPECT_EQ(e.message.find("/secret"), std::string::npos);
  EXPECT_NE(e.message.find("req-42"), std::string::npos);
}

TEST(ApiError, BodyNeverThrowsOnInvalidUtf8InMessages) {
  const ApiError e = api_error(Status(ErrorCode::kInvalidArgument, std::string("bad \xff byte")));
  std::string body;
  ASSERT_NO_THROW(body = e.body());
  EXPECT_TRUE(nlohmann::json::accept(body));
}

TEST(JsonBody, ParsesObjectsKeepingKeyOrder) {
  auto json = parse_json_body(R"({"b": 1, "a": [1, {"c": "é"}]})");
  ASSERT_TRUE(json.ok()) << json.error().message;
  EXPECT_EQ(json->begin().key(), "b");
  EXPECT_EQ((*json)["a"][1]["c"], "é");
}

void expect_bad_body(std::string_view body, std::string_view message_part) {
  auto json = parse_json_body(body);
  ASSERT_FALSE(json.ok()) << body;
  EXPECT_EQ(json.error().http_status, 400);
  EXPECT_EQ(json.error().type, "invalid_request_error");
  EXPECT_NE(json.error().message.find(message_part), std::string::npos) << json.error().message;
}

TEST(JsonBody, RefusesMalformedJsonAndNonObjects) {
  expect_bad_body("", "not valid JSON");
  expect_bad_body(R"({"model": )", "not valid JSON");
  expect_bad_body(R"({"a": 1,})", "not valid JSON");
  expect_bad_body("[1, 2]", "must be a JSON object");
  expect_bad_body("\"text\"", "must be a JSON object");
  expect_bad_body("null", "must be a JSON object");
}

TEST(JsonBody, RefusesInvalidUtf8AnywhereWithItsOffset) {
  expect_bad_body("{\"a\": \"\xff\"}", "byte offset 7");
  expect_bad_body("{\"a\": \"\xc0\xaf\"}", "not valid UTF-8");          // overlong '/'
  expect_bad_body("{\"a\": \"\xed\xa0\x80\"}", "not valid UTF-8");      // UTF-16 surrogate
  expect_bad_body("{\"a\": \"\xf4\x90\x80\x80\"}", "not valid UTF-8");  // past U+10FFFF
  expect_bad_body("{\"a\": \"\xe2\x82\"}", "not valid UTF-8");          // truncated
  expect_bad_body("{\"a\": 1}\x80", "not valid UTF-8");
  EXPECT_EQ(find_invalid_utf8("h\xc3\xa9llo \xf0\x9f\x98\x80"), std::string_view::npos);
}

TEST(JsonBody, RefusesDeepNestingBeforeParsing) {
  std::string deep = "{\"a\": " + std::string(100, '[') + std::string(100, ']') + "}";
  expect_bad_body(deep, "deeper than 64");
  // A hostile body of a million brackets costs one linear scan.
  expect_bad_body(std::string(1000000, '['), "deeper than 64");
  // Brackets inside strings are text, not nesting.
  std::string in_string = "{\"a\": \"" + std::string(100, '[') + "\\\"" + "\"}";
  EXPECT_TRUE(parse_json_body(in_string).ok());
  std::string at_limit = "{\"a\": " + std::string(63, '[') + std::string(63, ']') + "}";
  EXPECT_TRUE(parse_json_body(at_limit).ok());
}

TEST(JsonBody, DumpReplacesInvalidUtf8) {
  nlohmann::json j = {{"text", std::string("a\xff")}};
  EXPECT_EQ(dump_json(j), "{\"text\":\"a\xef\xbf\xbd\"}");
}

}  // namespace
}  // namespace servir::server
