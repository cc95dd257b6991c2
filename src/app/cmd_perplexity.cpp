// `servir perplexity --model PATH --file TEXT [--ctx 512] [--chunks N]`
//
// Perplexity the way llama.cpp's perplexity tool computes it: the text is
// tokenized once (with BOS when the model adds one), cut into
// non-overlapping windows of ctx tokens whose first token is replaced by BOS,
// and only the second half of each window is scored (every scored token then
// has at least ctx/2 tokens of context). Prints PPL with its +- estimate
// (the standard error of the mean negative log-likelihood, carried through
// exp).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/hub_model.h"

namespace servir::app {
namespace {

struct PerplexityOptions {
  RuntimeOptions runtime;
  std::string file;
  std::int64_t chunks = -1;  // -1: all
  bool json = false;
};

}  // namespace

void register_perplexity_command(CLI::App& app) {
  static PerplexityOptions o;
  auto* cmd = app.add_subcommand("perplexity", "Perplexity of a text file (llama.cpp's method)");
  add_runtime_options(*cmd, o.runtime);
  cmd->add_option("-f,--file", o.file, "Text file")->required();
  cmd->add_option("--chunks", o.chunks, "Windows to score (-1: all)")->capture_default_str();
  cmd->add_flag("--json", o.json, "One JSON object");
  cmd->callback([] {
    o.runtime.model_path = resolve_model_argument(o.runtime.model_path);
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
    if (o.json) {
      fmt::print("{{\"perplexity\": {:.6f}, \"error\": {:.6f}, \"chunks\": {}, \"ctx\": {}, \"scored_tokens\": {}}}\n",
                 ppl, ppl_error, n_chunks, n_ctx, count);
    } else {
      fmt::print("Final estimate: PPL = {:.4f} +/- {:.5f} ({} chunks of {} tokens, {} scored)\n", ppl, ppl_error,
                 n_chunks, n_ctx, count);
    }
  });
}

}  // namespace servir::app
