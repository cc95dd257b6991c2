// Fuzzes the --kl-base reader (formats/logprob_file.h): header counts
// against the bytes present. A file that parses must have every token and
// row inside the input.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "formats/logprob_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto file = servir::LogprobFileView::parse(bytes, "fuzz.logp");
  if (!file.ok()) return 0;
  const auto& h = file->header();
  // Token ids are arbitrary int32 here: widen before adding.
  std::int64_t checksum = std::int64_t{file->token(0)} + file->token(h.n_tokens() - 1);
  std::vector<float> row(h.vocab_size);
  file->row(0, row.data());
  file->row(h.n_rows() - 1, row.data());
  // Rows are arbitrary floats here (NaN included): compare, never convert.
  checksum += row[0] > 0.5f ? 1 : 0;
  return checksum == 0x5eed ? 1 : 0;
}
