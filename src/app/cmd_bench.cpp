// `servir bench --model PATH [-p 512] [-n 128] [-d 0] [-r 3] [-t THREADS] [--batch B] [--json]`
//
// Like llama-bench: prefill throughput of a P-token prompt and decode
// throughput of N tokens (mean +- stdev over R runs), and with --batch B the
// aggregate decode throughput of B sequences decoding together. With
// --depth D (llama-bench's -d) each decode starts after D tokens already
// in the cache (prefilled untimed), so it reads a long KV cache: the
// figure --kv-cache-dtype moves. Token ids
// are drawn at random (the forward pass costs the same for any id) and fed
// back without sampling, so the figures measure the model alone. It also
// prints the weight bytes one decode step reads and the GB/s that implies:
// single-stream decode is bound by memory bandwidth.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/bench_engine.h"
#include "app/commands.h"
#include "app/hub_model.h"

namespace servir::app {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchOptions {
  RuntimeOptions runtime;
  int prompt_tokens = 512;
  int gen_tokens = 128;
  int repetitions = 3;
  int batch = 1;
  int depth = 0;  // tokens in the cache before the timed decode
  bool json = false;
  // --concurrency: the engine benchmark (bench_engine.h).
  int concurrency = 0;
  int requests = 0;
  int prefix_reuse_tokens = 0;
  EngineFlags engine;
};

struct Stats {
  double mean = 0;
  double stdev = 0;
};

Stats stats_of(const std::vector<double>& v) {
  Stats s;
  if (v.empty()) return s;
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double sq = 0;
  for (double x : v) sq += (x - s.mean) * (x - s.mean);
  s.stdev = v.size() > 1 ? std::sqrt(sq / static_cast<double>(v.size() - 1)) : 0.0;
  return s;
}

std::vector<std::int32_t> random_tokens(std::size_t n, std::int64_t vocab, std::uint64_t& state) {
  std::vector<std::int32_t> out(n);
  for (auto& t : out) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    t = static_cast<std::int32_t>((state >> 33) % static_cast<std::uint64_t>(vocab));
  }
  return out;
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

void register_bench_command(CLI::App& app) {
  static BenchOptions o;
  auto* cmd = app.add_subcommand("bench", "Measure prefill and decode throughput (like llama-bench)");
  add_runtime_options(*cmd, o.runtime);
  cmd->add_option("-p,--n-prompt", o.prompt_tokens, "Prompt tokens for the prefill test (0: skip)")
      ->capture_default_str();
  cmd->add_option("-n,--n-gen", o.gen_tokens, "Tokens to decode (0: skip)")->capture_default_str();
  cmd->add_option("-r,--repetitions", o.repetitions, "Runs of each test")->capture_default_str();
  cmd->add_option("--batch", o.batch, "Sequences decoding together")->capture_default_str();
  cmd->add_option("-d,--depth", o.depth, "Tokens already in each sequence's KV cache when the timed decode starts")
      ->capture_default_str();
  cmd->add_flag("--json", o.json, "One JSON object");
  cmd->add_option("--concurrency", o.concurrency,
                  "Drive the continuous-batching engine with this many requests in flight (0: model-only bench)")
      ->capture_default_str();
  cmd->add_option("--requests", o.requests, "Requests in all with --concurrency (0: 4 x concurrency)")
      ->capture_default_str();
  cmd->add_option("--prefix-reuse-tokens", o.prefix_reuse_tokens,
                  "With --concurrency: also time a request sharing this many prompt tokens with the one before")
      ->capture_default_str();
  add_engine_options(*cmd, o.engine);
  cmd->callback([] {
    o.runtime.model_path = resolve_model_argument(o.runtime.model_path);
    if (o.concurrency > 0) {
      EngineBenchOptions e;
      e.runtime = o.runtime;
      e.engine = o.engine;
      e.concurrency = o.concurrency;
      e.requests = o.requests;
      e.prompt_tokens = o.prompt_tokens;
      e.gen_tokens = o.gen_tokens;
      e.prefix_reuse_tokens = o.prefix_reuse_tokens;
      e.json = o.json;
      run_engine_bench(e);
      return;
    }
    if (o.prompt_tokens < 0 || o.gen_tokens < 0 || o.depth < 0 || o.repetitions < 1 || o.batch < 1) {
      fail("-p, -n and -d must be >= 0, -r and --batch >= 1");
    }
    o.runtime.load_tokenizer = false;
    o.runtime.n_seqs = o.batch;
    if (o.runtime.context == 0) o.runtime.context = std::max(o.prompt_tokens, o.depth + 1) + o.gen_tokens + 1;
    auto loaded = load_runtime(o.runtime);
    if (!loaded) fail(loaded.status());
    Runtime& rt = **loaded;
    const std::int64_t vocab = rt.description.config().vocab_size;
    std::uint64_t rng = 1234;
    std::vector<float> logits;

    // Warm-up: touches every weight page and spins up the pool.
    {
      const auto warm = random_tokens(8, vocab, rng);
      if (Status st = rt.runner->prefill(0, warm, logits); !st.ok()) fail(st.to_string());
      rt.runner->reset_all();
    }
    std::vector<double> prefill_tps, decode_tps;
    for (int r = 0; r < o.repetitions; ++r) {
      if (o.prompt_tokens > 0) {
        const auto prompt = random_tokens(static_cast<std::size_t>(o.prompt_tokens), vocab, rng);
        rt.runner->reset_all();
        const auto t0 = Clock::now();
        if (Status st = rt.runner->prefill(0, prompt, logits); !st.ok()) fail(st.to_string());
        prefill_tps.push_back(o.prompt_tokens / seconds_since(t0));
      }
      if (o.gen_tokens > 0) {
        // -d equal to -p with one sequence: decode right after the timed
        // prompt, whose tokens are the depth (one long prefill, not two).
        const bool continue_prompt = o.depth > 0 && o.depth == o.prompt_tokens && o.batch == 1;
        if (!continue_prompt) rt.runner->reset_all();
        for (int s = 0; s < o.batch && o.depth > 0 && !continue_prompt; ++s) {
          const auto history = random_tokens(static_cast<std::size_t>(o.depth), vocab, rng);
          if (Status st = rt.runner->prefill(s, history, logits); !st.ok()) fail(st.to_string());
        }
        // Every sequence starts from one token, then all decode together.
        std::vector<std::int32_t> current = random_tokens(static_cast<std::size_t>(o.batch), vocab, rng);
        std::vector<StaticBatchRunner::Piece> pieces(static_cast<std::size_t>(o.batch));
        const auto t0 = Clock::now();
        for (int i = 0; i < o.gen_tokens; ++i) {
          for (int s = 0; s < o.batch; ++s) {
            pieces[static_cast<std::size_t>(s)] = {s, std::span(&current[static_cast<std::size_t>(s)], 1), false};
          }
          if (Status st = rt.runner->step(pieces, logits); !st.ok()) fail(st.to_string());
          current = random_tokens(static_cast<std::size_t>(o.batch), vocab, rng);
        }
        decode_tps.push_back(static_cast<double>(o.gen_tokens) * o.batch / seconds_since(t0));
      }
    }
    const Stats pp = stats_of(prefill_tps);
    const Stats tg = stats_of(decode_tps);
    const double bytes_per_step = static_cast<double>(rt.model->weights().bytes_per_token());
    // One decode step reads every weight once whatever the batch size.
    const double steps_per_s = tg.mean / o.batch;
    const double gbps = bytes_per_step * steps_per_s / 1e9;
    if (o.json) {
      const nlohmann::json j = {{"model", rt.description.path()},
                                {"threads", rt.ctx->n_threads()},
                                {"isa", kernels::isa_name(rt.kernel_table->isa)},
                                {"n_prompt", o.prompt_tokens},
                                {"n_gen", o.gen_tokens},
                                {"batch", o.batch},
                                {"depth", o.depth},
                                {"kv_cache_dtype", std::string(ggml_type_name(rt.cache->type()))},
                                {"kv_bytes_per_token", rt.cache->bytes_per_token()},
                                {"repetitions", o.repetitions},
                                {"prefill_tokens_per_s", {{"mean", pp.mean}, {"stdev", pp.stdev}}},
                                {"decode_tokens_per_s", {{"mean", tg.mean}, {"stdev", tg.stdev}}},
                                {"weight_bytes_per_step", bytes_per_step},
                                {"decode_weight_gb_per_s", gbps}};
      std::fputs((j.dump(2) + "\n").c_str(), stdout);
      return;
    }
    fmt::print(
        "model {} | {} threads | kernels {} | weights read per decode step {:.1f} MiB | KV {} ({} bytes per token)\n",
        rt.description.path(), rt.ctx->n_threads(), kernels::isa_name(rt.kernel_table->isa), bytes_per_step / (1 << 20),
        ggml_type_name(rt.cache->type()), rt.cache->bytes_per_token());
    if (o.prompt_tokens > 0) fmt::print("pp{:<5} {:10.2f} +- {:.2f} t/s\n", o.prompt_tokens, pp.mean, pp.stdev);
    if (o.gen_tokens > 0) {
      fmt::print("tg{:<5} {:10.2f} +- {:.2f} t/s{}{}  ({:.1f} GB/s of weights)\n", o.gen_tokens, tg.mean, tg.stdev,
                 o.depth > 0 ? fmt::format(" @ depth {}", o.depth) : "",
                 o.batch > 1 ? fmt::format(" aggregate over {} sequences", o.batch) : "", gbps);
    }
  });
}

}  // namespace servir::app
