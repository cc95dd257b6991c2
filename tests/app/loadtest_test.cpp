// `servir loadtest`: its pure parts (SSE parsing, percentiles, URLs,
// prompts) and the CLI against a local stub server.
#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "app/loadtest_prompt.h"
#include "app/loadtest_sse.h"
#include "app/loadtest_stats.h"
#include "app/loadtest_url.h"
#include "sse_stub_server.h"
#include "testing/test_paths.h"

namespace servir {
namespace {

using app::LoadtestEndpoint;
using app::parse_loadtest_url;
using app::SseEvent;
using app::SseParser;
using ::testing::HasSubstr;
using testing::run_command;

std::vector<SseEvent> parse_pieces(const std::vector<std::string>& pieces, bool finish = false) {
  SseParser parser;
  std::vector<SseEvent> events;
  auto sink = [&events](const SseEvent& e) { events.push_back(e); };
  for (const auto& piece : pieces) EXPECT_TRUE(parser.feed(piece, sink));
  if (finish) parser.finish(sink);
  return events;
}

// Line endings of every kind, a comment, a named event, multi-line data, a
// field without a space after the colon, ignored fields, [DONE].
const std::string kStream =
    ": keep-alive comment\r\n"
    "data: {\"a\":1}\r\n\r\n"
    "data:{\"b\":2}\n\n"
    "event: error\rdata: line one\rdata: line two\r\r"
    "id: 7\nretry: 100\ndata: \n\n"
    "data: [DONE]\n\n";

void expect_reference_events(const std::vector<SseEvent>& events) {
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].data, "{\"a\":1}");
  EXPECT_EQ(events[0].event, "");
  EXPECT_EQ(events[1].data, "{\"b\":2}");
  EXPECT_EQ(events[2].event, "error");
  EXPECT_EQ(events[2].data, "line one\nline two");
  EXPECT_EQ(events[3].data, "");
  EXPECT_EQ(events[3].event, "");
  EXPECT_EQ(events[4].data, "[DONE]");
}

TEST(LoadtestSse, WholeStreamInOnePiece) { expect_reference_events(parse_pieces({kStream})); }

TEST(LoadtestSse, EverySplitPointGivesTheSameEvents) {
  for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    expect_reference_events(parse_pieces({kStream.substr(0, cut), kStream.substr(cut)}));
  }
  for (std::size_t a = 0; a <= kStream.size(); a += 3) {
    for (std::size_t b = a; b <= kStream.size(); b += 5) {
      expect_reference_events(parse_pieces({kStream.substr(0, a), kStream.substr(a, b - a), kStream.substr(b)}));
    }
  }
}

TEST(LoadtestSse, ByteByByte) {
  std::vector<std::string> bytes;
  for (char c : kStream) bytes.emplace_back(1, c);
  expect_reference_events(parse_pieces(bytes));
}

TEST(LoadtestSse, CrLfSplitAcrossReadsIsOneLineEnd) {
  // "\r" ends the line at once; the "\n" arriving next must not end another
  // (an empty line would dispatch an event early).
  const auto events = parse_pieces({"data: x\r", "\ndata: y\r", "\n\r", "\n"});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "x\ny");
}

TEST(LoadtestSse, UnterminatedEventOnlyWithFinish) {
  EXPECT_TRUE(parse_pieces({"data: a\n"}).empty());
  const auto events = parse_pieces({"data: a\n"}, /*finish=*/true);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "a");
  EXPECT_TRUE(parse_pieces({"data: partial"}, /*finish=*/true).empty());
}

TEST(LoadtestSse, OverlongLineFailsTheParser) {
  SseParser parser(16);
  int n = 0;
  auto sink = [&n](const SseEvent&) { ++n; };
  EXPECT_TRUE(parser.feed("data: short\n\n", sink));
  EXPECT_FALSE(parser.feed("data: 0123456789abcdef\n\n", sink));
  EXPECT_TRUE(parser.failed());
  EXPECT_FALSE(parser.feed("data: x\n\n", sink));
  EXPECT_EQ(n, 1);
}

TEST(LoadtestStats, PercentilesInterpolateLikeNumpy) {
  const std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(app::percentile_of_sorted(v, 0), 1);
  EXPECT_DOUBLE_EQ(app::percentile_of_sorted(v, 50), 2.5);
  EXPECT_DOUBLE_EQ(app::percentile_of_sorted(v, 90), 3.7);
  EXPECT_DOUBLE_EQ(app::percentile_of_sorted(v, 100), 4);
  EXPECT_DOUBLE_EQ(app::percentile_of_sorted({5}, 99), 5);
  EXPECT_TRUE(std::isnan(app::percentile_of_sorted({}, 50)));

  std::vector<double> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);
  const auto s = app::summarize(hundred);
  EXPECT_EQ(s.count, 100u);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
  EXPECT_DOUBLE_EQ(s.p50, 50.5);
  EXPECT_DOUBLE_EQ(s.p90, 90.1);
  EXPECT_DOUBLE_EQ(s.p99, 99.01);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 100);
  EXPECT_TRUE(std::isnan(app::summarize({}).p50));
}

TEST(LoadtestUrl, AcceptsBaseUrlsAndEndpoints) {
  auto u = parse_loadtest_url("http://127.0.0.1:8000");
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8000);
  EXPECT_EQ(u->path_for(LoadtestEndpoint::kChat), "/v1/chat/completions");
  EXPECT_EQ(u->path_for(LoadtestEndpoint::kCompletions), "/v1/completions");
  EXPECT_EQ(u->host_header(), "127.0.0.1:8000");

  u = parse_loadtest_url("HTTP://localhost/v1/");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->port, 80);
  EXPECT_EQ(u->api_root, "/v1");
  EXPECT_EQ(u->host_header(), "localhost");

  u = parse_loadtest_url("http://gw.example:9000/llm/v1/completions");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->api_root, "/llm/v1");
  EXPECT_EQ(u->url_endpoint, LoadtestEndpoint::kCompletions);
  EXPECT_EQ(u->path_for(LoadtestEndpoint::kChat), "/llm/v1/completions");

  u = parse_loadtest_url("http://h:1/v1/chat/completions");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->url_endpoint, LoadtestEndpoint::kChat);
  EXPECT_EQ(u->api_root, "/v1");

  u = parse_loadtest_url("http://proxy/llm");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->api_root, "/llm/v1");

  u = parse_loadtest_url("http://[::1]:8080/v1");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->host_header(), "[::1]:8080");
}

TEST(LoadtestUrl, RefusesWhatItCannotUseWithAReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "expected http://"},
      {"localhost:8000", "expected http://"},
      {"https://api.openai.com/v1", "https is not supported"},
      {"ftp://x", "only http://"},
      {"http://", "empty host"},
      {"http://:80", "empty host"},
      {"http://h:", "empty port"},
      {"http://h:0", "port out of range"},
      {"http://h:65536", "port out of range"},
      {"http://h:123456", "port out of range"},
      {"http://h:8a", "not a number"},
      {"http://user:pw@h", "user info"},
      {"http://h/v1?x=1", "query strings"},
      {"http://h/v1#x", "query strings"},
      {"http://h o/", "bad character in host"},
      {"http://[::1", "unterminated"},
      {"http://[::1]x", "unexpected text"},
      {"http://h/a b", "bad character in path"},
  };
  for (const auto& c : cases) {
    const auto u = parse_loadtest_url(c.first);
    ASSERT_FALSE(u.ok()) << c.first;
    EXPECT_THAT(u.status().message(), HasSubstr(c.second)) << c.first;
  }
}

int word_count(const std::string& s) {
  return s.empty() ? 0 : static_cast<int>(std::count(s.begin(), s.end(), ' ')) + 1;
}

TEST(LoadtestPrompt, LengthSharedPrefixAndUniqueRest) {
  const app::PromptSpec spec{.words = 40, .shared_prefix_words = 16, .seed = 42};
  const std::string a = app::synthetic_prompt(spec, 0);
  const std::string b = app::synthetic_prompt(spec, 1);
  EXPECT_EQ(word_count(a), 40);
  EXPECT_EQ(a, app::synthetic_prompt(spec, 0));  // deterministic
  auto words = [](const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  };
  const auto wa = words(a), wb = words(b);
  EXPECT_TRUE(std::equal(wa.begin(), wa.begin() + 16, wb.begin()));
  EXPECT_FALSE(std::equal(wa.begin() + 16, wa.end(), wb.begin() + 16));
  // Another seed shares nothing with this run.
  const app::PromptSpec other{.words = 40, .shared_prefix_words = 16, .seed = 43};
  EXPECT_NE(words(app::synthetic_prompt(other, 0))[0] + words(app::synthetic_prompt(other, 0))[1], wa[0] + wa[1]);
  // No shared prefix: requests differ early (no accidental prefix-cache hits).
  const app::PromptSpec unique{.words = 64, .shared_prefix_words = 0, .seed = 7};
  int sharing_first_four = 0;
  for (int i = 1; i < 200; ++i) {
    const auto w0 = words(app::synthetic_prompt(unique, 0)), wi = words(app::synthetic_prompt(unique, i));
    if (std::equal(w0.begin(), w0.begin() + 4, wi.begin())) ++sharing_first_four;
  }
  EXPECT_EQ(sharing_first_four, 0);
}

// --- the CLI against the stub server ---

std::string loadtest_cmd(const std::string& args) { return testing::servir_command("loadtest " + args); }

TEST(LoadtestCli, StreamsFromAStubAndReportsCounts) {
  testing::SseStubServer stub({});
  const auto r = run_command(loadtest_cmd("--url " + stub.url() +
                                          " --concurrency 3 --requests 7 --prompt-tokens 20 --max-tokens 5 "
                                          "--shared-prefix-tokens 8 --api-key sekret --seed 1 --json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["model"], "stub-model");  // discovered from GET /v1/models
  EXPECT_EQ(j["endpoint"], "chat");
  EXPECT_EQ(j["completed"], 7);
  EXPECT_EQ(j["failed"], 0);
  EXPECT_EQ(j["not_started"], 0);
  EXPECT_TRUE(j["errors"].empty());
  EXPECT_EQ(j["output_tokens_total"], 35);
  EXPECT_EQ(j["output_tokens_source"], "usage");
  EXPECT_EQ(j["short_requests"], 0);
  EXPECT_DOUBLE_EQ(j["prompt_tokens_mean"].get<double>(), 7.0);
  EXPECT_DOUBLE_EQ(j["cached_prompt_tokens_mean"].get<double>(), 3.0);
  EXPECT_GT(j["output_tokens_per_s"].get<double>(), 0);
  EXPECT_GT(j["requests_per_s"].get<double>(), 0);
  EXPECT_GT(j["duration_s"].get<double>(), 0);
  for (const char* key : {"ttft_ms", "itl_ms", "tpot_ms", "e2e_ms"}) {
    for (const char* stat : {"count", "mean", "p50", "p90", "p99", "min", "max"}) {
      EXPECT_TRUE(j[key][stat].is_number()) << key << "." << stat;
    }
  }
  EXPECT_EQ(j["ttft_ms"]["count"], 7);
  EXPECT_EQ(j["itl_ms"]["count"], 7 * 4);  // gaps between 5 chunks
  EXPECT_GE(j["itl_ms"]["min"].get<double>(), 0);

  // Keep-alive: one connection per concurrent client, plus the model lookup.
  EXPECT_EQ(stub.connections_accepted(), 3 + 1);
  const auto bodies = stub.bodies();
  ASSERT_EQ(bodies.size(), 7u);
  std::set<std::string> prompts;
  for (const auto& body : bodies) {
    EXPECT_EQ(body["model"], "stub-model");
    EXPECT_EQ(body["max_tokens"], 5);
    EXPECT_EQ(body["min_tokens"], 5);
    EXPECT_EQ(body["ignore_eos"], true);
    EXPECT_EQ(body["stream"], true);
    EXPECT_EQ(body["stream_options"]["include_usage"], true);
    const std::string prompt = body["messages"][0]["content"];
    EXPECT_EQ(word_count(prompt), 20);
    prompts.insert(prompt);
  }
  EXPECT_EQ(prompts.size(), 7u);
  for (const auto& head : stub.heads()) EXPECT_THAT(head, HasSubstr("Authorization: Bearer sekret"));
}

TEST(LoadtestCli, CompletionsWithoutUsageCountChunksAndTable) {
  testing::SseStubServer stub({.send_usage = false});
  const auto r =
      run_command(loadtest_cmd("--url " + stub.url() + "/v1 --endpoint completions --model m -c 2 -r 4 -p 10 -n 3"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("4 of 4 requests ok"));
  EXPECT_THAT(r.output, HasSubstr("12 tokens (counted by chunks)"));
  EXPECT_THAT(r.output, HasSubstr("TTFT"));
  EXPECT_THAT(r.output, HasSubstr("ITL"));
  const auto bodies = stub.bodies();
  ASSERT_EQ(bodies.size(), 4u);
  EXPECT_EQ(bodies[0]["model"], "m");
  EXPECT_TRUE(bodies[0]["prompt"].is_string());
}

TEST(LoadtestCli, ErrorsAreCountedByStatusAndFailTheExitCode) {
  testing::SseStubServer stub({.reject_every = 3});
  const auto r = run_command(loadtest_cmd("--url " + stub.url() + " --model m -c 2 -r 9 -p 4 -n 2 --json"));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["completed"], 6);
  EXPECT_EQ(j["failed"], 3);
  EXPECT_EQ(j["errors"]["429"], 3);
  EXPECT_EQ(j["error_examples"]["429"], "stub says slow down");
  EXPECT_EQ(j["output_tokens_total"], 12);
}

TEST(LoadtestCli, DeadlineCutsOffAStalledServer) {
  testing::SseStubServer stub({.stall = true});
  const auto r =
      run_command(loadtest_cmd("--url " + stub.url() + " --model m -c 2 -r 5 -p 4 -n 2 --timeout-s 0.5 --json"));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["deadline_hit"], true);
  EXPECT_EQ(j["errors"]["timeout"], 2);
  EXPECT_EQ(j["not_started"], 3);
  EXPECT_EQ(j["completed"], 0);
}

TEST(LoadtestCli, RefusesBadArgumentsAndReportsAnUnreachableServer) {
  auto r = run_command(loadtest_cmd("--url https://example.com -c 1 -r 1 -p 1 -n 1") + " 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("https is not supported"));
  r = run_command(loadtest_cmd("--url http://127.0.0.1:1 -c 1 -r 1 -p 4 -n 1 --shared-prefix-tokens 5") + " 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("--shared-prefix-tokens must be in"));
  // Port 1 on loopback: connection refused, recorded per request.
  r = run_command(loadtest_cmd("--url http://127.0.0.1:1 --model m -c 2 -r 3 -p 4 -n 1 --json"));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["errors"]["connect"], 3);
  EXPECT_TRUE(j["ttft_ms"]["p50"].is_null());
  r = run_command(loadtest_cmd("--url http://127.0.0.1:1 -c 1 -r 1 -p 4 -n 1") + " 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("pass --model"));
}

}  // namespace
}  // namespace servir
