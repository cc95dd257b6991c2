// LogprobFile: the next-token distributions of a scored text, saved by
// `servir perplexity --save-logits` and compared against by `--kl-base`
// (llama.cpp's --kl-divergence-base in spirit, in a format of our own).
//
// Layout, little-endian, no padding:
//   char     magic[8]       "SVLOGP01"
//   u32      vocab_size     the model's vocabulary
//   u32      n_ctx          tokens per window
//   u32      n_chunks       windows scored
//   u32      first_scored   window index of the first scored position
//   i32      tokens[n_chunks * n_ctx]               the windows as tokenized
//   f32      log_probs[n_rows][vocab_size]          one row per scored position
// with n_rows = n_chunks * (n_ctx - 1 - first_scored): positions
// first_scored..n_ctx-2 of each window, each the log-softmax of the logits
// there (the distribution of the token at the next position). F32, not f16:
// rounding log-probs of ~-4 to f16 (steps of 2^-8) puts a noise of ~1e-4
// nats on each position's KL, as large as the KV-cache effects this file
// exists to measure (f32 vs f16 KV on stories260K read 6.7e-5 with f16
// rows). A 32000-token vocabulary takes 128 KB per row.
//
// The file is untrusted input: parse() checks every count against the bytes
// present before anything is read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "util/status.h"

namespace servir {

struct LogprobFileHeader {
  std::uint32_t vocab_size = 0;
  std::uint32_t n_ctx = 0;
  std::uint32_t n_chunks = 0;
  std::uint32_t first_scored = 0;

  std::int64_t scored_per_chunk() const {
    return static_cast<std::int64_t>(n_ctx) - 1 - static_cast<std::int64_t>(first_scored);
  }
  std::int64_t n_tokens() const { return static_cast<std::int64_t>(n_chunks) * n_ctx; }
  std::int64_t n_rows() const { return static_cast<std::int64_t>(n_chunks) * scored_per_chunk(); }
};

inline constexpr char kLogprobFileMagic[8] = {'S', 'V', 'L', 'O', 'G', 'P', '0', '1'};

// A parsed file over bytes the caller keeps alive (a view).
class LogprobFileView {
 public:
  static Result<LogprobFileView> parse(std::span<const std::byte> bytes, const std::string& name);

  const LogprobFileHeader& header() const { return header_; }
  std::int32_t token(std::int64_t i) const;
  // Row `i` (chunk * scored_per_chunk + position - first_scored).
  void row(std::int64_t i, float* out) const;

 private:
  LogprobFileHeader header_;
  const std::byte* tokens_ = nullptr;
  const std::byte* rows_ = nullptr;
};

// Writes a whole file atomically; `rows` holds n_rows * vocab_size values.
Status write_logprob_file(const std::string& path, const LogprobFileHeader& header,
                          std::span<const std::int32_t> tokens, std::span<const float> rows);

}  // namespace servir
