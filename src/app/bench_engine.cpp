#include "app/bench_engine.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"

namespace servir::app {
namespace {

using Clock = std::chrono::steady_clock;

struct Finished {
  double ttft = 0;
  double e2e = 0;
  int tokens = 0;
  std::vector<float> itl;
  FinishReason reason = FinishReason::kNone;
};

// Requests in flight and their results, filled from the engine thread.
class Tracker {
 public:
  OutputSink sink() {
    return [this](RequestOutput&& out) {
      if (!out.finished) return;
      Finished f;
      f.ttft = seconds(out.timings.arrival, out.timings.first_token);
      f.e2e = seconds(out.timings.arrival, out.timings.finished);
      f.tokens = out.completion_tokens;
      f.itl = std::move(out.timings.inter_token_seconds);
      f.reason = out.choices.empty() ? FinishReason::kNone : out.choices.back().finish_reason;
      std::lock_guard lock(mutex_);
      done_.push_back(std::move(f));
      --in_flight_;
      cv_.notify_all();
    };
  }
  void started() {
    std::lock_guard lock(mutex_);
    ++in_flight_;
  }
  // Waits until fewer than `limit` are in flight.
  void wait_below(int limit) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return in_flight_ < limit; });
  }
  std::vector<Finished> results() {
    std::lock_guard lock(mutex_);
    return done_;
  }

 private:
  static double seconds(EngineClock::time_point a, EngineClock::time_point b) {
    if (a.time_since_epoch().count() == 0 || b.time_since_epoch().count() == 0) return 0;
    return std::chrono::duration<double>(b - a).count();
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  int in_flight_ = 0;
  std::vector<Finished> done_;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const double rank = p / 100.0 * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(rank);
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (rank - static_cast<double>(lo));
}

std::vector<std::int32_t> random_tokens(std::size_t n, std::int64_t vocab, std::uint64_t& state) {
  std::vector<std::int32_t> out(n);
  for (auto& t : out) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    t = static_cast<std::int32_t>((state >> 33) % static_cast<std::uint64_t>(vocab));
  }
  return out;
}

GenerationRequest make_request(std::string id, std::vector<std::int32_t> prompt, int gen_tokens) {
  GenerationRequest r;
  r.id = std::move(id);
  r.prompt = std::move(prompt);
  r.sampling.temperature = 0.0f;  // argmax: the figures measure the engine, not the sampler
  r.sampling.max_tokens = gen_tokens;
  r.sampling.ignore_eos = true;
  return r;
}

// Submits one request and waits for it; returns its time to first token.
double timed_alone(Engine& engine, GenerationRequest request) {
  Tracker t;
  t.started();
  if (Status st = engine.submit(std::move(request), t.sink()); !st.ok()) fail(st.to_string());
  t.wait_below(1);
  return t.results().front().ttft;
}

}  // namespace

void run_engine_bench(EngineBenchOptions o) {
  if (o.concurrency < 1) fail("--concurrency must be >= 1");
  if (o.requests == 0) o.requests = 4 * o.concurrency;
  if (o.requests < 1 || o.prompt_tokens < 1 || o.gen_tokens < 1) fail("--requests, -p and -n must be >= 1");
  o.runtime.load_tokenizer = false;
  o.engine.engine.max_num_seqs = std::max(o.engine.engine.max_num_seqs, o.concurrency);
  const std::int64_t longest = std::max(o.prompt_tokens, o.prefix_reuse_tokens + 16) + o.gen_tokens + 1;
  if (o.runtime.context == 0) o.runtime.context = longest;
  if (Status st = prepare_engine_runtime(o.engine, o.runtime); !st.ok()) fail(st.to_string());
  auto loaded = load_runtime(o.runtime);
  if (!loaded) fail(loaded.status());
  Runtime& rt = **loaded;
  auto started = start_engine(rt, o.runtime, o.engine);
  if (!started) fail(started.status().to_string());
  Engine& engine = **started;
  const std::int64_t vocab = rt.description.config().vocab_size;
  std::uint64_t rng = 4321;

  timed_alone(engine, make_request("warm-up", random_tokens(8, vocab, rng), 4));
  const EngineStats before = engine.stats();

  Tracker tracker;
  const auto t0 = Clock::now();
  for (int i = 0; i < o.requests; ++i) {
    tracker.wait_below(o.concurrency);
    tracker.started();
    auto request = make_request(fmt::format("bench-{}", i),
                                random_tokens(static_cast<std::size_t>(o.prompt_tokens), vocab, rng), o.gen_tokens);
    if (Status st = engine.submit(std::move(request), tracker.sink()); !st.ok()) fail(st.to_string());
  }
  tracker.wait_below(1);
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const EngineStats after = engine.stats();
  const auto results = tracker.results();

  std::vector<double> ttft, itl, e2e;
  std::int64_t generated = 0;
  for (const auto& r : results) {
    ttft.push_back(r.ttft);
    e2e.push_back(r.e2e);
    generated += r.tokens;
    for (float x : r.itl) itl.push_back(x);
  }
  const double hit_rate = after.prefix_cache_queries > before.prefix_cache_queries
                              ? static_cast<double>(after.prefix_cache_hits - before.prefix_cache_hits) /
                                    static_cast<double>(after.prefix_cache_queries - before.prefix_cache_queries)
                              : 0.0;
  const auto preemptions = after.preemptions - before.preemptions;

  double ttft_first = 0, ttft_second = 0;
  if (o.prefix_reuse_tokens > 0) {
    const auto prefix = random_tokens(static_cast<std::size_t>(o.prefix_reuse_tokens), vocab, rng);
    auto with_suffix = [&](const char* id) {
      auto prompt = prefix;
      for (auto t : random_tokens(16, vocab, rng)) prompt.push_back(t);
      return make_request(id, std::move(prompt), 4);
    };
    ttft_first = timed_alone(engine, with_suffix("prefix-first"));
    ttft_second = timed_alone(engine, with_suffix("prefix-second"));
  }

  const double tps = static_cast<double>(generated) / wall;
  if (o.json) {
    nlohmann::json j = {{"model", rt.description.path()},
                        {"threads", rt.ctx->n_threads()},
                        {"concurrency", o.concurrency},
                        {"requests", o.requests},
                        {"prompt_tokens", o.prompt_tokens},
                        {"gen_tokens", o.gen_tokens},
                        {"wall_s", wall},
                        {"generated_tokens", generated},
                        {"generated_tokens_per_s", tps},
                        {"requests_per_s", static_cast<double>(results.size()) / wall},
                        {"ttft_s", {{"p50", percentile(ttft, 50)}, {"p99", percentile(ttft, 99)}}},
                        {"itl_s", {{"p50", percentile(itl, 50)}, {"p99", percentile(itl, 99)}}},
                        {"e2e_s", {{"p50", percentile(e2e, 50)}, {"p99", percentile(e2e, 99)}}},
                        {"prefix_cache_hit_rate", hit_rate},
                        {"preemptions", preemptions},
                        {"kv_blocks", rt.cache->n_blocks()},
                        {"kv_block_size", rt.cache->block_size()}};
    if (o.prefix_reuse_tokens > 0) {
      j["prefix_reuse"] = {{"prefix_tokens", o.prefix_reuse_tokens},
                           {"ttft_first_s", ttft_first},
                           {"ttft_second_s", ttft_second},
                           {"ratio", ttft_first > 0 ? ttft_second / ttft_first : 0.0}};
    }
    std::fputs((j.dump(2) + "\n").c_str(), stdout);
    return;
  }
  fmt::print("model {} | {} threads | kernels {} | KV {} blocks x {} tokens\n", rt.description.path(),
             rt.ctx->n_threads(), kernels::isa_name(rt.kernel_table->isa), rt.cache->n_blocks(),
             rt.cache->block_size());
  fmt::print("concurrency {} | {} requests of {} prompt + {} generated tokens | {:.1f} s\n", o.concurrency,
             results.size(), o.prompt_tokens, o.gen_tokens, wall);
  fmt::print("generated {:9.2f} t/s aggregate | {:.3f} requests/s\n", tps, static_cast<double>(results.size()) / wall);
  fmt::print("TTFT      p50 {:8.1f} ms | p99 {:8.1f} ms\n", 1e3 * percentile(ttft, 50), 1e3 * percentile(ttft, 99));
  fmt::print("ITL       p50 {:8.1f} ms | p99 {:8.1f} ms\n", 1e3 * percentile(itl, 50), 1e3 * percentile(itl, 99));
  fmt::print("prefix cache hit rate {:.1f}% | preemptions {}\n", 100 * hit_rate, preemptions);
  if (o.prefix_reuse_tokens > 0) {
    fmt::print("prefix reuse ({} shared tokens): TTFT first {:.1f} ms, second {:.1f} ms ({:.1f}%)\n",
               o.prefix_reuse_tokens, 1e3 * ttft_first, 1e3 * ttft_second,
               ttft_first > 0 ? 100 * ttft_second / ttft_first : 0.0);
  }
}

}  // namespace servir::app
