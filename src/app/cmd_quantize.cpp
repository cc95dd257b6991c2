// `servir quantize IN OUT --type T`: a GGUF or Hugging Face model to a
// quantized GGUF that llama.cpp reads unchanged (model/quantize/).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "app/commands.h"
#include "formats/model_description.h"
#include "kernels/thread_pool.h"
#include "model/quantize/model_quantizer.h"
#include "tokenizer/gguf_tokenizer_metadata.h"

namespace servir::app {
namespace {

namespace fs = std::filesystem;

struct QuantizeCommandOptions {
  std::string in, out, type;
  int threads = 0;
  bool force = false, allow_requantize = false, dry_run = false, quiet = false, pure = false;
  std::string output_type, token_embedding_type;
};

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

std::string shape_text(const std::vector<std::uint64_t>& ne) {
  std::string out;
  for (auto it = ne.rbegin(); it != ne.rend(); ++it) out += (out.empty() ? "" : " x ") + std::to_string(*it);
  return out;
}

std::string tensor_line(std::size_t index, std::size_t n, const QuantizedTensorInfo& t) {
  return fmt::format("[{:>4}/{}] {:<28} {:>5} -> {:<5} [{}] {:.2f} -> {:.2f} MiB{}", index + 1, n, t.plan.name,
                     ggml_type_name(t.input_type), ggml_type_name(t.plan.type), shape_text(t.ne), mib(t.input_bytes),
                     mib(t.output_bytes), t.plan.reason.empty() ? "" : "  (" + t.plan.reason + ")");
}

// A one-line bar redrawn in place: the tensor's rows and the whole model's
// bytes, with an ETA from the bytes rate so far.
class ProgressPrinter {
 public:
  ProgressPrinter(bool terminal, bool quiet, const QuantizeResult& plan)
      : terminal_(terminal), quiet_(quiet), plan_(plan), start_(std::chrono::steady_clock::now()) {}

  void operator()(const QuantizeProgress& p) {
    if (quiet_) return;
    const QuantizedTensorInfo& t = plan_.tensors[p.tensor_index];
    if (!terminal_) {
      if (p.tensor_finished) std::fprintf(stderr, "%s\n", tensor_line(p.tensor_index, p.n_tensors, t).c_str());
      return;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double fraction =
        p.input_bytes_total == 0 ? 1.0 : static_cast<double>(p.input_bytes_done) / p.input_bytes_total;
    const double eta = fraction > 0 ? seconds * (1 - fraction) / fraction : 0;
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    const double tensor_pct = p.tensor_rows == 0 ? 100.0 : 100.0 * p.tensor_rows_done / p.tensor_rows;
    if (p.tensor_finished) {
      std::fprintf(stderr, "\r\033[K%s\n", tensor_line(p.tensor_index, p.n_tensors, t).c_str());
    }
    std::fprintf(stderr, "\r\033[K[%s] %5.1f%%  %.0f/%.0f MiB  ETA %.0fs  %s %3.0f%%", bar.c_str(), 100 * fraction,
                 mib(p.input_bytes_done), mib(p.input_bytes_total), eta, t.plan.name.c_str(),
                 p.tensor_finished ? 100.0 : tensor_pct);
    std::fflush(stderr);
  }

  void finish() const {
    if (terminal_ && !quiet_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool terminal_, quiet_;
  const QuantizeResult& plan_;
  std::chrono::steady_clock::time_point start_;
};

std::optional<GgmlType> parse_type_option(const std::string& value, const char* flag) {
  if (value.empty()) return std::nullopt;
  const auto type = ggml_type_from_name(value);
  if (!type) fail(fmt::format("{} {}: not a ggml type name", flag, value));
  return type;
}

void run_quantize(const QuantizeCommandOptions& o) {
  Result<QuantScheme> scheme = quant_scheme_from_name(o.type);
  if (!scheme) fail(fmt::format("--type: {}", scheme.status().message()));
  std::error_code ec;
  if (fs::exists(o.out, ec) && fs::exists(o.in, ec) &&
      (fs::equivalent(o.in, o.out, ec) || fs::absolute(o.in) == fs::absolute(o.out))) {
    fail(fmt::format("input and output are the same file ({}): write the quantized model elsewhere", o.out));
  }
  if (!o.dry_run && fs::exists(o.out, ec) && !o.force) {
    fail(fmt::format("{} exists: pass --force to overwrite it", o.out));
  }
  if (!o.dry_run && fs::is_directory(o.out, ec)) fail(fmt::format("{} is a folder, not a file", o.out));

  Result<ModelDescription> model = open_model(o.in);
  if (!model) fail(model.status().to_string());

  QuantizeOptions options;
  options.plan.scheme = *scheme;
  options.plan.pure = o.pure;
  options.plan.output_type = parse_type_option(o.output_type, "--output-type");
  options.plan.token_embedding_type = parse_type_option(o.token_embedding_type, "--token-embedding-type");
  options.n_threads = o.threads;
  options.allow_requantize = o.allow_requantize;

  Result<QuantizeResult> plan = plan_model_quantization(*model, options);
  if (!plan) fail(plan.status().to_string());
  if (o.dry_run) {
    for (std::size_t i = 0; i < plan->tensors.size(); ++i) {
      std::printf("%s\n", tensor_line(i, plan->tensors.size(), plan->tensors[i]).c_str());
    }
    std::printf("%s -> %s: %.2f MiB -> %.2f MiB of tensors, %.2f bits per weight\n", o.in.c_str(),
                std::string(quant_scheme_name(*scheme)).c_str(), mib(plan->input_bytes), mib(plan->output_bytes),
                8.0 * plan->output_bytes / std::max<std::uint64_t>(1, plan->n_elements));
    return;
  }
  if (model->format() == ModelFormat::kSafetensors) {
    auto tokenizer = gguf_tokenizer_metadata_from_hf_file(model->hf_folder(), model->config().vocab_size);
    if (!tokenizer) fail(tokenizer.status().to_string());
    options.tokenizer_metadata = std::move(tokenizer).value();
  }

  const bool terminal = isatty(STDERR_FILENO) != 0;
  ProgressPrinter printer(terminal, o.quiet, *plan);
  options.on_progress = [&printer](const QuantizeProgress& p) { printer(p); };
  const auto start = std::chrono::steady_clock::now();
  Result<QuantizeResult> result = quantize_model(*model, o.out, options);
  printer.finish();
  if (!result) fail(result.status().to_string());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int threads = o.threads > 0 ? o.threads : kernels::physical_core_count();
  std::printf("quantized %s (%.2f MiB) -> %s (%.2f MiB) as %s: %.2f bits per weight, %zu tensors, %.2f s, %d threads\n",
              o.in.c_str(), mib(model->total_file_bytes()), o.out.c_str(), mib(result->output_file_bytes),
              std::string(quant_scheme_name(*scheme)).c_str(),
              8.0 * result->output_bytes / std::max<std::uint64_t>(1, result->n_elements), result->tensors.size(),
              seconds, threads);
}

}  // namespace

void register_quantize_command(CLI::App& app) {
  static QuantizeCommandOptions o;
  auto* cmd = app.add_subcommand("quantize", "Quantize a GGUF or Hugging Face model into a GGUF llama.cpp reads");
  cmd->add_option("input", o.in, "A GGUF file (F32/F16/BF16 matrices) or a Hugging Face safetensors folder")
      ->required();
  cmd->add_option("output", o.out, "The GGUF file to write")->required();
  cmd->add_option("--type", o.type, "One of: " + quant_scheme_names())->required();
  cmd->add_option("--threads", o.threads, "Threads (default: every physical core)");
  cmd->add_flag("--force", o.force, "Overwrite the output if it exists");
  cmd->add_flag("--allow-requantize", o.allow_requantize, "Accept an already quantized input (loses more quality)");
  cmd->add_flag("--dry-run", o.dry_run, "Print the type of every tensor and the size, write nothing");
  cmd->add_flag("--quiet", o.quiet, "No per-tensor lines or progress bar; only the summary");
  cmd->add_flag("--pure", o.pure, "Every matrix the base type (no mix, no Q6_K output)");
  cmd->add_option("--output-type", o.output_type, "Type of output.weight (e.g. q8_0)");
  cmd->add_option("--token-embedding-type", o.token_embedding_type, "Type of token_embd.weight");
  cmd->callback([] { run_quantize(o); });
}

}  // namespace servir::app
