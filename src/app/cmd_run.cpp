// `servir run --model PATH -p PROMPT [-n N] [--temp T] [--top-k K] [--top-p P]
//             [--min-p P] [--seed S] [--chat] [--json] [--verbose]`
//
// One-shot generation streamed to stdout as it is produced (or, with --chat,
// an interactive chat in the terminal using the model's chat template).
// --json prints {"prompt_tokens", "completion_tokens", "token_ids", "text",
// "prefill_tokens_per_s", "decode_tokens_per_s"} instead of streaming.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/hub_model.h"
#include "app/model_template.h"
#include "app/runtime.h"
#include "engine/sampler.h"
#include "tokenizer/chat_template/chat_template.h"
#include "tokenizer/detokenizer.h"

namespace servir::app {
namespace {

using Clock = std::chrono::steady_clock;

struct RunOptions {
  RuntimeOptions runtime;
  std::string prompt;
  int n_predict = 128;
  SamplingParams sampling{.temperature = 0.8f, .top_k = 40, .top_p = 0.95f};
  std::int64_t seed_option = -1;  // --seed; -1: from the clock
  std::uint64_t seed = 0;         // what the samplers start from
  bool chat = false;
  bool json = false;
  bool verbose = false;
  bool ignore_eos = false;
};

struct Generation {
  std::vector<std::int32_t> ids;
  std::string text;
  double prefill_seconds = 0;
  double decode_seconds = 0;
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Prefills `prompt` into sequence 0 (after what it already holds) and samples
// up to n tokens, calling on_text with each completed piece of text.
Status generate(Runtime& rt, std::span<const std::int32_t> prompt, int n, Sampler& sampler,
                const std::vector<std::int32_t>& stop_ids, const std::function<void(const std::string&)>& on_text,
                Generation& out) {
  std::vector<float> logits;
  const auto t0 = Clock::now();
  if (Status st = rt.runner->prefill(0, prompt, logits); !st.ok()) return st;
  out.prefill_seconds = seconds_since(t0);
  IncrementalDetokenizer detok(*rt.tokenizer);
  const auto t1 = Clock::now();
  for (int i = 0; i < n; ++i) {
    const std::int32_t next = sampler.sample(logits).token;
    if (std::find(stop_ids.begin(), stop_ids.end(), next) != stop_ids.end()) break;
    sampler.accept(next);
    out.ids.push_back(next);
    const std::string piece = detok.push(next);
    out.text += piece;
    if (!piece.empty()) on_text(piece);
    if (i + 1 == n) break;
    const StaticBatchRunner::Piece step{0, std::span(&next, 1), false};
    if (Status st = rt.runner->step(std::span(&step, 1), logits); !st.ok()) return st;
  }
  const std::string rest = detok.finish();
  out.text += rest;
  if (!rest.empty()) on_text(rest);
  out.decode_seconds = seconds_since(t1);
  return {};
}

void run_once(Runtime& rt, const RunOptions& o) {
  const auto prompt = rt.tokenizer->encode(o.prompt);
  if (prompt.empty()) fail("the prompt encodes to no tokens (and the model adds no BOS)");
  const auto stops = o.ignore_eos ? std::vector<std::int32_t>{} : stop_token_ids(rt);
  Sampler sampler(o.sampling, prompt, stops, o.seed);
  Generation g;
  const auto stream = [&](const std::string& piece) {
    if (!o.json) {
      std::fwrite(piece.data(), 1, piece.size(), stdout);
      std::fflush(stdout);
    }
  };
  if (Status st = generate(rt, prompt, o.n_predict, sampler, stops, stream, g); !st.ok()) fail(st.to_string());
  if (o.json) {
    const nlohmann::json j = {
        {"prompt_tokens", prompt.size()},
        {"completion_tokens", g.ids.size()},
        {"token_ids", g.ids},
        {"text", g.text},
        {"prefill_tokens_per_s", g.prefill_seconds > 0 ? static_cast<double>(prompt.size()) / g.prefill_seconds : 0.0},
        {"decode_tokens_per_s",
         g.decode_seconds > 0 && g.ids.size() > 1 ? static_cast<double>(g.ids.size() - 1) / g.decode_seconds : 0.0},
    };
    std::fputs((j.dump() + "\n").c_str(), stdout);
  } else {
    std::fputs("\n", stdout);
    if (o.verbose) {
      std::fprintf(stderr, "prompt %zu tokens in %.3f s, %zu generated in %.3f s\n", prompt.size(), g.prefill_seconds,
                   g.ids.size(), g.decode_seconds);
    }
  }
}

// An interactive chat: each user line is appended to the conversation, the
// whole conversation is rendered with the model's template, and only the
// new tokens past what the cache already holds are prefilled.
void run_chat(Runtime& rt, const RunOptions& o) {
  auto text = template_of_model(rt.description.path(), "");
  if (!text) fail(text.status().to_string() + " (--chat needs the model's chat template)");
  auto tmpl = ChatTemplate::parse(*text);
  if (!tmpl) fail(tmpl.status().to_string());
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  if (!o.prompt.empty()) messages.push_back({{"role", "system"}, {"content", o.prompt}});
  const auto stops = stop_token_ids(rt);
  std::vector<std::int32_t> history;  // tokens in the cache
  std::uint64_t turn = 0;
  const auto& tok = *rt.tokenizer;
  const std::string bos = tok.bos_id() >= 0 ? std::string(tok.token_text(tok.bos_id())) : "";
  const std::string eos = tok.eos_id() >= 0 ? std::string(tok.token_text(tok.eos_id())) : "";
  std::string line;
  while (true) {
    std::fputs("> ", stdout);
    std::fflush(stdout);
    if (!std::getline(std::cin, line) || line == "/exit") break;
    messages.push_back({{"role", "user"}, {"content", line}});
    const nlohmann::ordered_json context = {
        {"messages", messages}, {"add_generation_prompt", true}, {"bos_token", bos}, {"eos_token", eos}};
    auto rendered = tmpl->render(context);
    if (!rendered) fail(rendered.status().to_string());
    const auto ids = tok.encode(*rendered, {.add_special = false, .parse_special = true});
    // The cache holds `history`; prefill only what follows the part the new
    // rendering shares with it (templates re-render the whole conversation).
    std::size_t common = 0;
    while (common < history.size() && common < ids.size() && history[common] == ids[common]) ++common;
    if (common == ids.size() && common > 0) --common;  // re-feed one token: its logits start the reply
    rt.runner->truncate(0, static_cast<std::int64_t>(common));
    Generation g;
    const std::span<const std::int32_t> fresh(ids.data() + common, ids.size() - common);
    // A sampler per reply: its penalties see this conversation, and each turn
    // draws from its own stream (an offset that is no small multiple of
    // splitmix64's increment, so the streams do not overlap).
    Sampler sampler(o.sampling, ids, stops, o.seed + 0xd1b54a32d192ed03ull * turn++);
    if (Status st = generate(
            rt, fresh, o.n_predict, sampler, stops,
            [](const std::string& piece) {
              std::fwrite(piece.data(), 1, piece.size(), stdout);
              std::fflush(stdout);
            },
            g);
        !st.ok()) {
      fail(st.to_string());
    }
    std::fputs("\n", stdout);
    // What the cache now holds: the prompt and every generated token that was
    // fed back (the last one sampled may not have been).
    history.assign(ids.begin(), ids.end());
    history.insert(history.end(), g.ids.begin(), g.ids.end());
    history.resize(static_cast<std::size_t>(rt.runner->length(0)));
    messages.push_back({{"role", "assistant"}, {"content", g.text}});
  }
}

}  // namespace

void add_runtime_options(CLI::App& cmd, RuntimeOptions& o) {
  cmd.add_option(
         "-m,--model", o.model_path,
         "GGUF file, Hugging Face folder, or hf:ORG/REPO[@REVISION][:FILE] (pulled into the Hub cache on first use)")
      ->required();
  cmd.add_option("-t,--threads", o.threads, "Threads (0: physical cores)")->capture_default_str();
  cmd.add_option("-c,--ctx", o.context, "Tokens per sequence in the KV cache (0: min(model, 4096))")
      ->capture_default_str();
  cmd.add_option("--kv-block-size", o.kv_block_size, "Tokens per KV cache block")->capture_default_str();
  cmd.add_option("--max-num-batched-tokens", o.max_batch_tokens, "Tokens per forward step (prefill chunk)")
      ->capture_default_str();
  cmd.add_option("--dtype", o.dtype, "Quantize float weights at load: q8_0, q4_0, ... (default: as stored)");
  cmd.add_flag("--verify", o.verify,
               "Hash every weight file (SHA-256) before loading and check it against --sha256 or a manifest");
  cmd.add_option("--sha256", o.sha256,
                 "Expected SHA-256 of a single-file model; a mismatch refuses to start (exit status 3)");
  cmd.add_option("--manifest", o.manifest, "sha256sum-format manifest to check (default: beside the model)");
  cmd.add_option("--kv-cache-dtype", o.kv_cache_dtype,
                 "KV cache element type: f16 (auto), bf16, q8_0 (~1.9x the tokens of f16 per byte) or f32")
      ->capture_default_str();
}

void register_run_command(CLI::App& app) {
  static RunOptions o;
  auto* cmd = app.add_subcommand("run", "Generate text from a prompt (or chat with --chat)");
  add_runtime_options(*cmd, o.runtime);
  cmd->add_option("-p,--prompt", o.prompt, "Prompt (empty: start from BOS; the system prompt with --chat)");
  cmd->add_option("-n,--n-predict", o.n_predict, "Tokens to generate at most")->capture_default_str();
  cmd->add_option("--temp", o.sampling.temperature, "Temperature (0: greedy)")->capture_default_str();
  cmd->add_option("--top-k", o.sampling.top_k, "Top-k (0: off)")->capture_default_str();
  cmd->add_option("--top-p", o.sampling.top_p, "Top-p")->capture_default_str();
  cmd->add_option("--min-p", o.sampling.min_p, "Min-p")->capture_default_str();
  cmd->add_option("--seed", o.seed_option, "Random seed (-1: from the clock)")->capture_default_str();
  cmd->add_flag("--ignore-eos", o.ignore_eos, "Generate n tokens even past end-of-sequence");
  cmd->add_flag("--chat", o.chat, "Interactive chat with the model's chat template");
  cmd->add_flag("--json", o.json, "Print one JSON object instead of streaming");
  cmd->add_flag("--verbose", o.verbose, "Print the memory plan and timings to stderr");
  cmd->callback([] {
    o.runtime.model_path = resolve_model_argument(o.runtime.model_path);
    if (o.seed_option >= 0) o.sampling.seed = static_cast<std::uint64_t>(o.seed_option);
    o.seed = o.sampling.seed.value_or(
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    if (o.n_predict < 0) fail("--n-predict must be >= 0");
    // The request-shaped limit; generate() counts --n-predict itself (0 is allowed here).
    o.sampling.max_tokens = std::max(o.n_predict, 1);
    auto rt = load_runtime(o.runtime);
    if (!rt) fail(rt.status());
    if (Status st = o.sampling.validate((*rt)->description.config().vocab_size); !st.ok()) fail(st.message());
    if (o.verbose) std::fprintf(stderr, "%s\n", (*rt)->memory_plan().c_str());
    if (o.chat) {
      run_chat(**rt, o);
    } else {
      run_once(**rt, o);
    }
  });
}

}  // namespace servir::app
