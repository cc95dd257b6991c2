// Aggregation and rendering of `servir loadtest` results.
#include "app/loadtest_report.h"

#include <cctype>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "app/loadtest_stats.h"

namespace servir::app {
namespace {

using nlohmann::json;

json summary_json(std::vector<double> seconds) {
  for (double& v : seconds) v *= 1000.0;
  const LatencySummary s = summarize(std::move(seconds));
  auto num = [](double v) { return std::isnan(v) ? json(nullptr) : json(v); };
  return {{"count", s.count},  {"mean", num(s.mean)}, {"p50", num(s.p50)}, {"p90", num(s.p90)},
          {"p99", num(s.p99)}, {"min", num(s.min)},   {"max", num(s.max)}};
}

std::string fmt_ms(const json& v) { return v.is_number() ? fmt::format("{:.1f}", v.get<double>()) : "-"; }

}  // namespace

json loadtest_report(const LoadtestConfig& config, const LoadtestResult& result) {
  std::vector<double> ttft, itl, tpot, e2e;
  std::map<std::string, int> errors;
  std::map<std::string, std::string> error_examples;
  long long output_tokens = 0;
  int completed = 0, short_requests = 0, usage_counted = 0;
  long long prompt_tokens_sum = 0, cached_tokens_sum = 0;
  int prompt_tokens_n = 0, cached_tokens_n = 0;
  for (const RequestRecord& r : result.records) {
    if (!r.ok()) {
      ++errors[r.error];
      if (!error_examples.contains(r.error)) error_examples[r.error] = r.error_detail;
      continue;
    }
    ++completed;
    const int tokens = r.output_tokens();
    output_tokens += tokens;
    if (r.usage_completion_tokens >= 0) ++usage_counted;
    if (tokens != config.max_tokens) ++short_requests;
    if (r.usage_prompt_tokens >= 0) {
      prompt_tokens_sum += r.usage_prompt_tokens;
      ++prompt_tokens_n;
    }
    if (r.usage_cached_tokens >= 0) {
      cached_tokens_sum += r.usage_cached_tokens;
      ++cached_tokens_n;
    }
    e2e.push_back(r.e2e_s);
    if (r.ttft_s >= 0) {
      ttft.push_back(r.ttft_s);
      if (tokens > 1) tpot.push_back((r.e2e_s - r.ttft_s) / (tokens - 1));
    }
    itl.insert(itl.end(), r.itl_s.begin(), r.itl_s.end());
  }
  const double duration = result.duration_s;
  auto rate = [&](double n) { return duration > 0 ? json(n / duration) : json(nullptr); };
  auto mean_or_null = [](long long sum, int n) { return n > 0 ? json(static_cast<double>(sum) / n) : json(nullptr); };
  const char* endpoint = config.endpoint == LoadtestEndpoint::kChat ? "chat" : "completions";
  const char* token_source = completed == 0               ? "none"
                             : usage_counted == completed ? "usage"
                             : usage_counted == 0         ? "chunks"
                                                          : "mixed";
  const int failed = static_cast<int>(result.records.size()) - completed;
  return {
      {"url", "http://" + config.url.host_header() + config.url.path_for(config.endpoint)},
      {"endpoint", endpoint},
      {"model", config.model},
      {"concurrency", config.concurrency},
      {"requests", config.requests},
      {"prompt_tokens_requested", config.prompt_words},
      {"shared_prefix_tokens", config.shared_prefix_words},
      {"max_tokens", config.max_tokens},
      {"seed", config.seed},
      {"completed", completed},
      {"failed", failed},
      {"not_started", result.not_started},
      {"deadline_hit", result.deadline_hit},
      {"errors", errors},
      {"error_examples", error_examples},
      {"duration_s", duration},
      {"requests_per_s", rate(completed)},
      {"output_tokens_total", output_tokens},
      {"output_tokens_per_s", rate(static_cast<double>(output_tokens))},
      {"output_tokens_source", token_source},
      {"short_requests", short_requests},
      {"prompt_tokens_mean", mean_or_null(prompt_tokens_sum, prompt_tokens_n)},
      {"cached_prompt_tokens_mean", mean_or_null(cached_tokens_sum, cached_tokens_n)},
      {"ttft_ms", summary_json(std::move(ttft))},
      {"itl_ms", summary_json(std::move(itl))},
      {"tpot_ms", summary_json(std::move(tpot))},
      {"e2e_ms", summary_json(std::move(e2e))},
  };
}

std::string loadtest_table(const json& r) {
  std::string out;
  auto line = [&out](const std::string& s) { out += s + "\n"; };
  auto num = [](const json& v, const char* f) {
    return v.is_number() ? fmt::format(fmt::runtime(f), v.get<double>()) : "-";
  };
  line(fmt::format("servir loadtest  {}  model {}", r["url"].get<std::string>(), r["model"].get<std::string>()));
  line(fmt::format("  concurrency {}, {} of {} requests ok, {} failed, {} not started, {:.2f} s{}",
                   r["concurrency"].get<int>(), r["completed"].get<int>(), r["requests"].get<int>(),
                   r["failed"].get<int>(), r["not_started"].get<int>(), r["duration_s"].get<double>(),
                   r["deadline_hit"].get<bool>() ? " (deadline hit)" : ""));
  line(fmt::format("  prompt: ~{} tokens requested (shared prefix ~{}), {} counted by the server{}",
                   r["prompt_tokens_requested"].get<int>(), r["shared_prefix_tokens"].get<int>(),
                   num(r["prompt_tokens_mean"], "{:.1f}"),
                   r["cached_prompt_tokens_mean"].is_number()
                       ? fmt::format(", {:.1f} cached", r["cached_prompt_tokens_mean"].get<double>())
                       : ""));
  line(fmt::format("  output: {} tokens (counted by {}), {} tokens/s, {} requests/s{}",
                   r["output_tokens_total"].get<long long>(), r["output_tokens_source"].get<std::string>(),
                   num(r["output_tokens_per_s"], "{:.1f}"), num(r["requests_per_s"], "{:.2f}"),
                   r["short_requests"].get<int>() > 0
                       ? fmt::format(" ({} requests got fewer or more than {} tokens)", r["short_requests"].get<int>(),
                                     r["max_tokens"].get<int>())
                       : ""));
  line(fmt::format("  {:<10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}", "ms", "mean", "p50", "p90", "p99", "max", "n"));
  for (const char* key : {"ttft_ms", "itl_ms", "tpot_ms", "e2e_ms"}) {
    const json& s = r[key];
    std::string name(key);
    name = name.substr(0, name.size() - 3);
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    line(fmt::format("  {:<10}{:>10}{:>10}{:>10}{:>10}{:>10}{:>10}", name, fmt_ms(s["mean"]), fmt_ms(s["p50"]),
                     fmt_ms(s["p90"]), fmt_ms(s["p99"]), fmt_ms(s["max"]), s["count"].get<std::size_t>()));
  }
  if (!r["errors"].empty()) {
    line("  errors:");
    for (const auto& item : r["errors"].items()) {
      line(fmt::format("    {:<18} x{}  {}", item.key(), item.value().get<int>(),
                       r["error_examples"].value(item.key(), std::string())));
    }
  }
  return out;
}

}  // namespace servir::app
