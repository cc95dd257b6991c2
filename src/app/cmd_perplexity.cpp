// `servir perplexity --model PATH --file TEXT [--ctx 512] [--chunks N]`
//
// Perplexity the way llama.cpp's perplexity tool computes it: the text is
// tokenized once (with BOS when the model adds one), cut into
// non-overlapping windows of ctx tokens whose first token is replaced by BOS,
// and only the second half of each window is scored (every scored token then
// has at least ctx/2 tokens of context). Prints PPL with its +- estimate
// (the standard error of the mean negative log-likelihood, carried through
// exp).
//
// `--save-logits FILE` keeps the scored positions' next-token distributions
// (formats/logprob_file.h); `--kl-base FILE` compares this run against such
// a file from another quantization or KV dtype of the same model: mean KL
// divergence, top-1 agreement and both perplexities (app/kl_divergence.h).
// The file's context and chunks are the defaults, and a file of another
// vocabulary, context or text is refused.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/hub_model.h"
#include "app/kl_divergence.h"
#include "formats/logprob_file.h"
#include "util/mapped_file.h"

namespace servir::app {
namespace {

struct PerplexityOptions {
  RuntimeOptions runtime;
  std::string file;
  std::int64_t chunks = -1;  // -1: all (with --kl-base: the base's)
  std::string save_logits;   // --save-logits FILE
  std::string kl_base;       // --kl-base FILE
  bool json = false;
};

// The base of a --kl-base comparison: the mapped file and its parsed view.
struct KlBase {
  MappedFile file;
  LogprobFileView view;
};

KlBase open_kl_base(const std::string& path) {
  auto file = MappedFile::open(path);
  if (!file) fail(file.status().to_string());
  KlBase base{.file = std::move(*file), .view = {}};
  auto view = LogprobFileView::parse(base.file.bytes(), path);
  if (!view) fail(view.status().to_string());
  base.view = *view;
  return base;
}

// The run must score the same windows of the same tokens with the same
// vocabulary as the base, or the comparison means nothing.
void check_same_text(const LogprobFileView& base, const std::string& path, std::int64_t vocab, std::int64_t n_ctx,
                     std::int64_t n_chunks, const std::vector<std::int32_t>& tokens) {
  const LogprobFileHeader& h = base.header();
  if (h.vocab_size != vocab) {
    fail(fmt::format("--kl-base {}: saved with a vocabulary of {} tokens, this model has {}", path, h.vocab_size,
                     vocab));
  }
  if (h.n_ctx != n_ctx) fail(fmt::format("--kl-base {}: saved with --ctx {}, this run uses {}", path, h.n_ctx, n_ctx));
  if (n_chunks > h.n_chunks) {
    fail(fmt::format("--kl-base {}: holds {} chunks, this run scores {}", path, h.n_chunks, n_chunks));
  }
  for (std::int64_t i = 0; i < n_chunks * n_ctx; ++i) {
    if (base.token(i) != tokens[static_cast<std::size_t>(i)]) {
      fail(fmt::format("--kl-base {}: token {} differs ({} there, {} here): another text or tokenizer", path, i,
                       base.token(i), tokens[static_cast<std::size_t>(i)]));
    }
  }
}

void print_kl(const KlSummary& s, const std::string& base_path) {
  fmt::print("KL divergence vs {} over {} positions: mean {:.6f} +/- {:.6f}, median {:.6f}, p99 {:.6f}, max {:.6f}\n",
             base_path, s.positions, s.mean_kl, s.kl_stderr, s.median_kl, s.p99_kl, s.max_kl);
  fmt::print("Top-1 agreement: {:.3f} +/- {:.3f} %\n", 100 * s.top1_agreement, 100 * s.top1_stderr);
  fmt::print("PPL base {:.4f} +/- {:.5f}, this run {:.4f} +/- {:.5f}\n", s.base_ppl, s.base_ppl_stderr, s.ppl,
             s.ppl_stderr);
}

std::string kl_json(const KlSummary& s) {
  return fmt::format(
      ", \"kl\": {{\"positions\": {}, \"mean\": {:.8f}, \"stderr\": {:.8f}, \"median\": {:.8f}, \"p99\": {:.8f}, "
      "\"max\": {:.8f}, \"top1_agreement\": {:.6f}, \"top1_stderr\": {:.6f}, \"base_ppl\": {:.6f}, "
      "\"base_ppl_error\": {:.6f}, \"ppl\": {:.6f}, \"ppl_error\": {:.6f}}}",
      s.positions, s.mean_kl, s.kl_stderr, s.median_kl, s.p99_kl, s.max_kl, s.top1_agreement, s.top1_stderr, s.base_ppl,
      s.base_ppl_stderr, s.ppl, s.ppl_stderr);
}

}  // namespace

void register_perplexity_command(CLI::App& app) {
  static PerplexityOptions o;
  auto* cmd = app.add_subcommand("perplexity", "Perplexity of a text file (llama.cpp's method)");
  add_runtime_options(*cmd, o.runtime);
  cmd->add_option("-f,--file", o.file, "Text file")->required();
  cmd->add_option("--chunks", o.chunks, "Windows to score (-1: all, or as many as --kl-base holds)")
      ->capture_default_str();
  cmd->add_option("--save-logits", o.save_logits,
                  "Save the scored positions' next-token log-probs (f32) to FILE, a base for --kl-base");
  cmd->add_option("--kl-base", o.kl_base,
                  "Compare against a --save-logits FILE of the same model and text: mean KL divergence, top-1 "
                  "agreement, both PPLs");
  cmd->add_flag("--json", o.json, "One JSON object");
  cmd->callback([] {
    o.runtime.model_path = resolve_model_argument(o.runtime.model_path);
    std::optional<KlBase> base;
    if (!o.kl_base.empty()) {
      base.emplace(open_kl_base(o.kl_base));
      if (o.runtime.context == 0) o.runtime.context = base->view.header().n_ctx;
      if (o.chunks < 0) o.chunks = base->view.header().n_chunks;
    }
    if (o.runtime.context == 0) o.runtime.context = 512;
    const std::int64_t n_ctx = o.runtime.context;
    if (n_ctx < 8) fail("--ctx must be at least 8");
    std::ifstream in(o.file, std::ios::binary);
    if (!in) fail(fmt::format("{}: cannot open", o.file));
    std::stringstream ss;
    ss << in.rdbuf();
    auto loaded = load_runtime(o.runtime);
    if (!loaded) fail(loaded.status());
    Runtime& rt = **loaded;
    const auto tokens = rt.tokenizer->encode(ss.str());
    const std::int64_t available = static_cast<std::int64_t>(tokens.size()) / n_ctx;
    const std::int64_t n_chunks = o.chunks < 0 ? available : std::min(o.chunks, available);
    if (n_chunks < 1) fail(fmt::format("{} tokens are fewer than one window of {}", tokens.size(), n_ctx));
    const std::int64_t vocab = rt.description.config().vocab_size;
    const std::int64_t first = n_ctx / 2;
    const std::int32_t bos = rt.tokenizer->bos_id();
    if (base) check_same_text(base->view, o.kl_base, vocab, n_ctx, n_chunks, tokens);
    const bool keep_log_probs = base || !o.save_logits.empty();
    std::vector<float> saved;  // --save-logits rows
    if (!o.save_logits.empty()) saved.reserve(static_cast<std::size_t>(n_chunks * (n_ctx - 1 - first) * vocab));
    std::vector<float> base_row(static_cast<std::size_t>(vocab)), this_row(static_cast<std::size_t>(vocab));
    KlAccumulator kl;
    double nll = 0, nll_sq = 0;
    std::int64_t count = 0;
    std::vector<float> logits;
    for (std::int64_t c = 0; c < n_chunks; ++c) {
      std::vector<std::int32_t> window(tokens.begin() + c * n_ctx, tokens.begin() + (c + 1) * n_ctx);
      if (rt.tokenizer->add_bos() && bos >= 0) window[0] = bos;
      rt.runner->reset(0);
      if (Status st = rt.runner->prefill(0, window, logits, /*all_logits=*/true); !st.ok()) fail(st.to_string());
      for (std::int64_t j = first; j < n_ctx - 1; ++j) {
        const float* row = logits.data() + j * vocab;
        const auto target = tokens[static_cast<std::size_t>(c * n_ctx + j + 1)];
        float max_logit = row[0];
        for (std::int64_t v = 1; v < vocab; ++v) max_logit = std::max(max_logit, row[v]);
        double sum = 0;
        for (std::int64_t v = 0; v < vocab; ++v) sum += std::exp(static_cast<double>(row[v] - max_logit));
        const double token_nll = std::log(sum) - static_cast<double>(row[target] - max_logit);
        nll += token_nll;
        nll_sq += token_nll * token_nll;
        ++count;
        if (!keep_log_probs) continue;
        log_probs(row, vocab, this_row.data());
        if (!o.save_logits.empty()) saved.insert(saved.end(), this_row.begin(), this_row.end());
        if (base) {
          base->view.row(c * (n_ctx - 1 - first) + (j - first), base_row.data());
          kl.add(base_row.data(), this_row.data(), vocab, target);
        }
      }
      if (!o.json) {
        std::fprintf(stderr, "[%lld] %.4f\n", static_cast<long long>(c + 1),
                     std::exp(nll / static_cast<double>(count)));
      }
    }
    const double mean = nll / static_cast<double>(count);
    const double variance = nll_sq / static_cast<double>(count) - mean * mean;
    const double ppl = std::exp(mean);
    const double ppl_error = count > 1 ? ppl * std::sqrt(std::max(variance, 0.0) / static_cast<double>(count - 1)) : 0;
    if (!o.save_logits.empty()) {
      const LogprobFileHeader header{.vocab_size = static_cast<std::uint32_t>(vocab),
                                     .n_ctx = static_cast<std::uint32_t>(n_ctx),
                                     .n_chunks = static_cast<std::uint32_t>(n_chunks),
                                     .first_scored = static_cast<std::uint32_t>(first)};
      const std::span<const std::int32_t> scored_tokens(tokens.data(), static_cast<std::size_t>(n_chunks * n_ctx));
      if (Status st = write_logprob_file(o.save_logits, header, scored_tokens, saved); !st.ok()) fail(st.to_string());
    }
    if (o.json) {
      fmt::print(
          "{{\"perplexity\": {:.6f}, \"error\": {:.6f}, \"chunks\": {}, \"ctx\": {}, \"scored_tokens\": {}{}}}\n", ppl,
          ppl_error, n_chunks, n_ctx, count, base ? kl_json(kl.summary()) : "");
    } else {
      fmt::print("Final estimate: PPL = {:.4f} +/- {:.5f} ({} chunks of {} tokens, {} scored)\n", ppl, ppl_error,
                 n_chunks, n_ctx, count);
      if (base) print_kl(kl.summary(), o.kl_base);
      if (!o.save_logits.empty()) fmt::print("Saved the log-probs of {} positions to {}\n", count, o.save_logits);
    }
  });
}

}  // namespace servir::app
