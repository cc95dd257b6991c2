// The Prometheus text exposition: every line a HELP, TYPE or sample of a
// declared family; histogram buckets cumulative with +Inf == count; and the
// vLLM-named families the server promises.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "server/metrics_registry.h"
#include "server/server_metrics.h"

namespace servir::server {
namespace {

struct Sample {
  std::string name;
  std::string labels;  // inside the braces, as written
  double value = 0;
};

// Parses exposition text strictly enough to catch format slips; fails the
// test on any line that is not HELP, TYPE or a sample of the family last
// declared.
std::vector<Sample> parse_exposition(const std::string& text, std::map<std::string, std::string>* types = nullptr) {
  static const std::regex help(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .*$)");
  static const std::regex type(R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$)");
  static const std::regex sample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? ([-+0-9.eE]+|\+Inf|-Inf|NaN)$)");
  std::vector<Sample> samples;
  std::string family;
  std::string family_type;
  std::istringstream in(text);
  std::string line;
  EXPECT_TRUE(text.empty() || text.back() == '\n');
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      family = m[1];
      continue;
    }
    if (std::regex_match(line, m, type)) {
      EXPECT_EQ(m[1], family) << "TYPE without HELP: " << line;
      family_type = m[2];
      if (types != nullptr) (*types)[family] = family_type;
      continue;
    }
    if (!std::regex_match(line, m, sample)) {
      ADD_FAILURE() << "not a HELP, TYPE or sample line: '" << line << "'";
      continue;
    }
    const std::string name = m[1];
    const bool ok = family_type == "histogram"
                        ? (name == family + "_bucket" || name == family + "_sum" || name == family + "_count")
                        : name == family;
    EXPECT_TRUE(ok) << name << " outside its family " << family;
    const std::string value = m[4];
    samples.push_back({name, m[3], value == "+Inf" ? INFINITY : std::stod(value)});
  }
  return samples;
}

// Buckets ascend in le, counts are cumulative, +Inf equals _count.
void expect_histograms_consistent(const std::vector<Sample>& samples) {
  std::map<std::string, std::vector<std::pair<double, double>>> buckets;  // family{labels w/o le} -> (le, count)
  std::map<std::string, double> counts;
  static const std::regex le_label(R"re((,?)le="([^"]*)")re");
  for (const Sample& s : samples) {
    if (s.name.size() > 7 && s.name.ends_with("_bucket")) {
      std::smatch m;
      ASSERT_TRUE(std::regex_search(s.labels, m, le_label)) << s.labels;
      const std::string le = m[2];
      const std::string rest = std::regex_replace(s.labels, le_label, "");
      buckets[s.name.substr(0, s.name.size() - 7) + "{" + rest + "}"].emplace_back(
          le == "+Inf" ? INFINITY : std::stod(le), s.value);
    } else if (s.name.ends_with("_count")) {
      counts[s.name.substr(0, s.name.size() - 6) + "{" + s.labels + "}"] = s.value;
    }
  }
  ASSERT_FALSE(buckets.empty());
  for (const auto& [key, list] : buckets) {
    for (std::size_t i = 1; i < list.size(); ++i) {
      EXPECT_LT(list[i - 1].first, list[i].first) << key;
      EXPECT_LE(list[i - 1].second, list[i].second) << key << " not cumulative";
    }
    ASSERT_TRUE(std::isinf(list.back().first)) << key << " lacks +Inf";
    ASSERT_TRUE(counts.contains(key)) << key;
    EXPECT_EQ(list.back().second, counts[key]) << key;
  }
}

TEST(MetricsRegistry, RendersCountersGaugesAndHistograms) {
  MetricsRegistry reg;
  Counter& c = reg.counter("app_requests_total", "Requests.\nSecond line \\ done", {{"path", "/v1 \"x\"\n"}});
  c.add(2);
  c.add(-5);  // ignored: counters only go up
  c.set_total(1);
  EXPECT_EQ(c.value(), 2);
  EXPECT_EQ(&reg.counter("app_requests_total", "Requests.", {{"path", "/v1 \"x\"\n"}}), &c);
  reg.gauge("app_temp", "Temp.").set(-1.5);
  Histogram& h = reg.histogram("app_latency_seconds", "Latency.", {0.1, 1, 10}, {{"m", "a"}});
  for (double v : {0.05, 0.1, 0.5, 5.0, 50.0}) h.observe(v);

  const std::string text = reg.render();
  std::map<std::string, std::string> types;
  const auto samples = parse_exposition(text, &types);
  EXPECT_EQ(types["app_requests_total"], "counter");
  EXPECT_EQ(types["app_temp"], "gauge");
  EXPECT_EQ(types["app_latency_seconds"], "histogram");
  EXPECT_NE(text.find("# HELP app_requests_total Requests.\\nSecond line \\\\ done\n"), std::string::npos) << text;
  EXPECT_NE(text.find("app_requests_total{path=\"/v1 \\\"x\\\"\\n\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("app_temp -1.5\n"), std::string::npos);
  EXPECT_NE(text.find("app_latency_seconds_bucket{m=\"a\",le=\"0.1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("app_latency_seconds_bucket{m=\"a\",le=\"1\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("app_latency_seconds_bucket{m=\"a\",le=\"+Inf\"} 5\n"), std::string::npos);
  EXPECT_NE(text.find("app_latency_seconds_sum{m=\"a\"} 55.65\n"), std::string::npos) << text;
  EXPECT_NE(text.find("app_latency_seconds_count{m=\"a\"} 5\n"), std::string::npos);
  expect_histograms_consistent(samples);
}

TEST(MetricsRegistry, UpdatesRaceWithScrapes) {
  MetricsRegistry reg;
  Counter& c = reg.counter("x_total", "X.");
  Histogram& h = reg.histogram("y", "Y.", {1, 2});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.add(1);
        h.observe(i % 3);
      }
    });
  }
  for (int i = 0; i < 20; ++i) expect_histograms_consistent(parse_exposition(reg.render()));
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000);
  EXPECT_EQ(h.snapshot().count, 40000u);
}

TEST(ServerMetrics, ExposesTheVllmFamiliesWithModelName) {
  ServerMetrics metrics("tiny", 2048);
  EngineStats stats;
  stats.running = 3;
  stats.waiting = 2;
  stats.blocks_total = 100;
  stats.blocks_used = 25;
  stats.block_size = 16;
  stats.cache_dtype = "q8_0";
  stats.prompt_tokens = 500;
  stats.generation_tokens = 80;
  stats.preemptions = 1;
  stats.prefix_cache_queries = 400;
  stats.prefix_cache_hits = 128;
  stats.steps = 90;
  stats.engine_step_seconds_total = 4.5;
  stats.last_step.seconds = 0.05;
  FinishedRequestSample s;
  s.finish_reason = "length";
  s.prompt_tokens = 100;
  s.generation_tokens = 40;
  s.queue_seconds = 0.01;
  s.ttft_seconds = 0.2;
  s.e2e_seconds = 2.0;
  s.inter_token_seconds = {0.04, 0.05, 0.06};
  metrics.update_from_engine(stats, {s, s});
  metrics.count_rejection(reject_reason::kQueueFull);
  metrics.count_rejection(reject_reason::kBodyTooLarge);
  metrics.count_rate_limited();
  metrics.count_auth_failure();
  metrics.count_response(200);
  metrics.count_response(200);
  metrics.count_response(429);
  metrics.set_heartbeat_age(0.25);
  // A later scrape with lower engine totals (never happens, but must not
  // move counters backwards).
  stats.prompt_tokens = 10;
  metrics.update_from_engine(stats, {});

  const std::string text = metrics.render();
  std::map<std::string, std::string> types;
  const auto samples = parse_exposition(text, &types);
  expect_histograms_consistent(samples);
  for (const Sample& sample : samples) {
    EXPECT_NE(sample.labels.find("model_name=\"tiny\""), std::string::npos) << sample.name;
  }
  const auto value = [&](const std::string& name, const std::string& label_part = "") {
    for (const Sample& sample : samples) {
      if (sample.name == name && sample.labels.find(label_part) != std::string::npos) return sample.value;
    }
    ADD_FAILURE() << "no sample " << name << " {" << label_part << "}";
    return -1.0;
  };
  EXPECT_EQ(value("vllm:num_requests_running"), 3);
  EXPECT_EQ(value("vllm:num_requests_waiting"), 2);
  EXPECT_DOUBLE_EQ(value("vllm:kv_cache_usage_perc"), 0.25);
  EXPECT_EQ(value("vllm:cache_config_info", "block_size=\"16\""), 1);
  EXPECT_EQ(value("vllm:cache_config_info", "num_gpu_blocks=\"100\""), 1);
  EXPECT_EQ(value("vllm:cache_config_info", "cache_dtype=\"q8_0\""), 1);
  EXPECT_EQ(value("vllm:prompt_tokens_total"), 500);
  EXPECT_EQ(value("vllm:generation_tokens_total"), 80);
  EXPECT_EQ(value("vllm:request_success_total", "finished_reason=\"length\""), 2);
  EXPECT_EQ(value("vllm:request_success_total", "finished_reason=\"stop\""), 0);
  EXPECT_EQ(value("vllm:num_preemptions_total"), 1);
  EXPECT_EQ(value("vllm:prefix_cache_queries_total"), 400);
  EXPECT_EQ(value("vllm:prefix_cache_hits_total"), 128);
  EXPECT_EQ(value("vllm:time_to_first_token_seconds_count"), 2);
  EXPECT_EQ(value("vllm:inter_token_latency_seconds_count"), 6);
  EXPECT_EQ(value("vllm:e2e_request_latency_seconds_count"), 2);
  EXPECT_EQ(value("vllm:request_queue_time_seconds_count"), 2);
  EXPECT_EQ(value("vllm:request_prompt_tokens_sum"), 200);
  EXPECT_EQ(value("vllm:request_generation_tokens_sum"), 80);
  EXPECT_EQ(value("vllm:request_prompt_tokens_bucket", "le=\"100\""), 2);
  EXPECT_EQ(value("vllm:request_prompt_tokens_bucket", "le=\"50\""), 0);
  EXPECT_EQ(value("servir_requests_rejected_total", "reason=\"queue_full\""), 1);
  EXPECT_EQ(value("servir_requests_rejected_total", "reason=\"body_too_large\""), 1);
  EXPECT_EQ(value("servir_rate_limited_requests_total"), 1);
  EXPECT_EQ(value("servir_auth_failures_total"), 1);
  EXPECT_GT(value("servir_process_resident_memory_bytes"), 1e6);
  EXPECT_DOUBLE_EQ(value("servir_engine_step_seconds_total"), 4.5);
  EXPECT_DOUBLE_EQ(value("servir_engine_last_step_seconds"), 0.05);
  EXPECT_EQ(value("servir_engine_steps_total"), 90);
  EXPECT_EQ(value("servir_http_responses_total", "code=\"200\""), 2);
  EXPECT_EQ(value("servir_http_responses_total", "code=\"429\""), 1);
  // 5xx series exist at 0 before any error, so error ratios are 0, not empty.
  EXPECT_EQ(value("servir_http_responses_total", "code=\"500\""), 0);
  EXPECT_EQ(value("servir_http_responses_total", "code=\"503\""), 0);
  EXPECT_DOUBLE_EQ(value("servir_engine_heartbeat_age_seconds"), 0.25);
  EXPECT_EQ(types["servir_http_responses_total"], "counter");
  EXPECT_EQ(types["vllm:time_to_first_token_seconds"], "histogram");
  EXPECT_EQ(types["vllm:prompt_tokens_total"], "counter");
  EXPECT_EQ(types["vllm:num_requests_running"], "gauge");
}

}  // namespace
}  // namespace servir::server
