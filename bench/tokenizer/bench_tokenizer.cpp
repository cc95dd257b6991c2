// Tokenizer throughput: encoding (cold word cache and warm) and decoding of
// war-and-peace.txt (3.2 MB) per vocabulary, single thread. Reports MB/s as
// the "MB/s" counter (input bytes per second, decimal megabytes) besides
// Google Benchmark's bytes_per_second. Skips when ../shared is absent
// (SERVIR_SHARED_DIR overrides its location).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "tokenizer/tokenizer_loader.h"

#ifndef SERVIR_DEFAULT_SHARED_DIR
#define SERVIR_DEFAULT_SHARED_DIR "../shared"
#endif

namespace servir {
namespace {

std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("SERVIR_SHARED_DIR")) return env;
  return SERVIR_DEFAULT_SHARED_DIR;
}

const std::string* corpus() {
  static const std::unique_ptr<std::string> text = []() -> std::unique_ptr<std::string> {
    std::ifstream in(shared_dir() / "testdata/text/war-and-peace.txt", std::ios::binary);
    if (!in) return nullptr;
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return std::make_unique<std::string>(buffer.str());
  }();
  return text.get();
}

// Loaded once per vocabulary; nullptr (with the reason) when unavailable.
const Tokenizer* tokenizer(const std::string& relative, std::string& why) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> loaded;
  static std::map<std::string, std::string> errors;
  if (auto it = loaded.find(relative); it != loaded.end()) return it->second.get();
  if (auto it = errors.find(relative); it != errors.end()) {
    why = it->second;
    return nullptr;
  }
  const std::filesystem::path path = shared_dir() / relative;
  if (!std::filesystem::exists(path)) {
    why = "reference data absent: " + path.string();
    errors[relative] = why;
    return nullptr;
  }
  Result<Tokenizer> tok = load_tokenizer(path.string());
  if (!tok.ok()) {
    why = tok.status().to_string();
    errors[relative] = why;
    return nullptr;
  }
  return (loaded[relative] = std::make_unique<Tokenizer>(std::move(tok).value())).get();
}

void set_rate(benchmark::State& state, std::size_t bytes_per_iteration) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes_per_iteration));
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(state.iterations() * bytes_per_iteration) / 1e6,
                                              benchmark::Counter::kIsRate);
}

void BM_Encode(benchmark::State& state, const std::string& model) {
  std::string why;
  const std::string* text = corpus();
  const Tokenizer* tok = text != nullptr ? tokenizer(model, why) : nullptr;
  if (text == nullptr) why = "reference data absent: " + (shared_dir() / "testdata/text/war-and-peace.txt").string();
  if (tok == nullptr) {
    state.SkipWithError(why.c_str());
    for (auto _ : state) {
    }
    return;
  }
  std::size_t n_tokens = 0;
  for (auto _ : state) {
    const std::vector<TokenId> ids = tok->encode(*text, {.add_special = false});
    n_tokens = ids.size();
    benchmark::DoNotOptimize(ids.data());
  }
  set_rate(state, text->size());
  state.counters["tokens"] = static_cast<double>(n_tokens);
}

void BM_Decode(benchmark::State& state, const std::string& model) {
  std::string why;
  const std::string* text = corpus();
  const Tokenizer* tok = text != nullptr ? tokenizer(model, why) : nullptr;
  if (tok == nullptr) {
    state.SkipWithError(why.empty() ? "reference data absent" : why.c_str());
    for (auto _ : state) {
    }
    return;
  }
  const std::vector<TokenId> ids = tok->encode(*text, {.add_special = false});
  for (auto _ : state) {
    const std::string decoded = tok->decode(ids);
    benchmark::DoNotOptimize(decoded.data());
  }
  set_rate(state, text->size());
}

BENCHMARK_CAPTURE(BM_Encode, gpt2, std::string("testdata/vocab/ggml-vocab-gpt-2.gguf"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, gpt2_hf, std::string("testdata/tokenizers/gpt2-hf"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, llama3, std::string("testdata/tokenizers/llama3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, qwen3, std::string("testdata/tokenizers/qwen3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, llama_spm, std::string("testdata/vocab/ggml-vocab-llama-spm.gguf"))
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Encode, mistral, std::string("testdata/tokenizers/mistral"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Decode, llama3, std::string("testdata/tokenizers/llama3"))->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace servir

BENCHMARK_MAIN();
