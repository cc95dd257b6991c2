// Throughput of the model-file paths that run at start-up: SHA-256 of a
// weight file (--verify) and parsing a GGUF header with a large vocabulary.
//
//   build/bench/formats/bench_formats
// Prints bytes per CPU-second (the other core may be busy on a shared
// machine); run twice and compare medians.
#include <benchmark/benchmark.h>

#include <filesystem>

#include <fmt/format.h>
#include <vector>

#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "formats/integrity.h"

namespace servir {
namespace {

// SHA-256 over a 512 MiB file in the page cache: the cost of --verify once
// the file has been read once (disk speed is the disk's business).
void BM_Sha256File(benchmark::State& state) {
  const auto path = std::filesystem::temp_directory_path() / "servir-bench-sha256.bin";
  const std::size_t bytes = 512u << 20;
  {
    GgufWriter writer;
    (void)writer.add_tensor("x", GgmlType::kI8, {bytes}, [](std::span<std::byte> out) {
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>(i * 131);
    });
    (void)writer.write(path.string());
  }
  for (auto _ : state) {
    auto digest = sha256_file(path.string());
    benchmark::DoNotOptimize(digest);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(std::filesystem::file_size(path)));
  std::filesystem::remove(path);
}
BENCHMARK(BM_Sha256File)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// Parsing the metadata of a GGUF with a 150k-token vocabulary and merges
// (the size of Qwen's), which every start-up pays.
void BM_ParseGgufVocabulary(benchmark::State& state) {
  GgufWriter writer;
  std::vector<std::string> tokens;
  std::vector<std::string> merges;
  for (int i = 0; i < 150000; ++i) {
    tokens.push_back(fmt::format("tok{}", i));
    merges.push_back(fmt::format("a{} b", i));
  }
  writer.set("tokenizer.ggml.tokens", GgufValue::string_array(tokens));
  writer.set("tokenizer.ggml.merges", GgufValue::string_array(merges));
  const auto bytes = writer.write_to_memory();
  for (auto _ : state) {
    auto file = GgufFile::parse(bytes, "vocab.gguf");
    benchmark::DoNotOptimize(file);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_ParseGgufVocabulary)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace servir

BENCHMARK_MAIN();
