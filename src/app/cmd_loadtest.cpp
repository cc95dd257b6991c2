// `servir loadtest --url URL --concurrency C --requests R --prompt-tokens P
//  --max-tokens N [--model NAME] [--api-key K] [--shared-prefix-tokens S]
//  [--endpoint chat|completions] [--timeout-s T] [--seed X] [--json]`
//
// Drives any OpenAI-compatible server (servir, vLLM, llama.cpp's server)
// with C concurrent streaming requests, R in all, each with a synthetic
// prompt of ~P tokens (the first ~S shared by all) and asking for exactly N
// tokens, and reports aggregate tokens/s, requests/s, time to first token
// and inter-token latency. Bounded by R and by --timeout-s. Exit status 0
// when every request succeeded, 4 when some failed (the report still
// prints), 1 on bad arguments or an unreachable server.
#include <random>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/loadtest_client.h"
#include "app/loadtest_report.h"

namespace servir::app {
namespace {

struct LoadtestOptions {
  std::string url;
  std::string model;
  std::string api_key;
  std::string endpoint;
  int concurrency = 1;
  int requests = 0;
  int prompt_tokens = 0;
  int max_tokens = 0;
  int shared_prefix_tokens = 0;
  double timeout_s = 600;
  std::uint64_t seed = 0;
  bool json = false;
};

constexpr int kFailedRequestsExit = 4;

void run(const LoadtestOptions& o) {
  auto url = parse_loadtest_url(o.url);
  if (!url) fail(url.status().message());
  if (o.concurrency < 1 || o.requests < 1) fail("--concurrency and --requests must be >= 1");
  if (o.prompt_tokens < 1 || o.max_tokens < 1) fail("--prompt-tokens and --max-tokens must be >= 1");
  if (o.shared_prefix_tokens < 0 || o.shared_prefix_tokens > o.prompt_tokens) {
    fail("--shared-prefix-tokens must be in [0, --prompt-tokens]");
  }
  if (!(o.timeout_s > 0)) fail("--timeout-s must be > 0");

  LoadtestConfig config{.url = *url,
                        .model = o.model,
                        .api_key = o.api_key,
                        .concurrency = o.concurrency,
                        .requests = o.requests,
                        .prompt_words = o.prompt_tokens,
                        .shared_prefix_words = o.shared_prefix_tokens,
                        .max_tokens = o.max_tokens,
                        .timeout_s = o.timeout_s,
                        .seed = o.seed != 0 ? o.seed : std::random_device{}()};
  if (url->url_endpoint) {
    config.endpoint = *url->url_endpoint;
    const bool conflict = (o.endpoint == "chat" && config.endpoint != LoadtestEndpoint::kChat) ||
                          (o.endpoint == "completions" && config.endpoint != LoadtestEndpoint::kCompletions);
    if (conflict) fail("--endpoint " + o.endpoint + " contradicts the endpoint in --url " + o.url);
  } else {
    config.endpoint = o.endpoint == "completions" ? LoadtestEndpoint::kCompletions : LoadtestEndpoint::kChat;
  }
  if (config.model.empty()) {
    auto model = discover_model(config.url, config.api_key, std::min(o.timeout_s, 30.0));
    if (!model) fail(model.status().message());
    config.model = *model;
  }

  auto result = run_loadtest(config);
  if (!result) fail(result.status().message());
  const auto report = loadtest_report(config, *result);
  if (o.json) {
    fmt::print("{}\n", report.dump());
  } else {
    fmt::print("{}", loadtest_table(report));
  }
  std::fflush(stdout);
  if (report["failed"].get<int>() > 0 || report["not_started"].get<int>() > 0) {
    throw CLI::RuntimeError(kFailedRequestsExit);
  }
}

}  // namespace

void register_loadtest_command(CLI::App& app) {
  static LoadtestOptions o;
  auto* cmd = app.add_subcommand(
      "loadtest", "Load-test an OpenAI-compatible server over streaming HTTP (tokens/s, TTFT, inter-token latency)");
  cmd->footer(
      "Prompts are common English words, ~1 token each in 32k+ vocabularies: the prompt length is approximate; the "
      "report shows the server's own count (usage.prompt_tokens). Exit status: 0 all requests succeeded, 4 some "
      "failed, 1 bad arguments or no server.");
  cmd->add_option("--url", o.url, "http://HOST:PORT, the API base (…/v1) or a full endpoint (…/v1/chat/completions)")
      ->required();
  cmd->add_option("--model", o.model, "Model name to request (default: the first of GET /v1/models)");
  cmd->add_option("--api-key", o.api_key, "Sent as 'Authorization: Bearer KEY'")->envname("SERVIR_LOADTEST_API_KEY");
  cmd->add_option("--concurrency,-c", o.concurrency, "Concurrent connections (each streams one request at a time)")
      ->required();
  cmd->add_option("--requests,-r", o.requests, "Requests in all")->required();
  cmd->add_option("--prompt-tokens,-p", o.prompt_tokens, "Approximate prompt length in tokens")->required();
  cmd->add_option("--max-tokens,-n", o.max_tokens, "Tokens every request generates (ignore_eos, min_tokens)")
      ->required();
  cmd->add_option("--shared-prefix-tokens", o.shared_prefix_tokens,
                  "Leading prompt tokens shared by every request (the rest is unique per request)")
      ->capture_default_str();
  cmd->add_option("--endpoint", o.endpoint, "chat (/v1/chat/completions) or completions (/v1/completions)")
      ->check(CLI::IsMember({"chat", "completions"}))
      ->default_str("chat");
  cmd->add_option("--timeout-s", o.timeout_s, "Deadline for the whole run in seconds")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Prompt seed (default: random, so reruns do not hit a prefix cache)");
  cmd->add_flag("--json", o.json, "One JSON object instead of the table");
  cmd->callback([] { run(o); });
}

}  // namespace servir::app
