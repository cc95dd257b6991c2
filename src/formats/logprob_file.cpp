#include "formats/logprob_file.h"

#include <cstring>

#include "util/atomic_write.h"

namespace servir {
namespace {

constexpr std::size_t kHeaderBytes = sizeof(kLogprobFileMagic) + 4 * sizeof(std::uint32_t);

std::uint32_t read_u32(const std::byte* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

Result<LogprobFileView> LogprobFileView::parse(std::span<const std::byte> bytes, const std::string& name) {
  if (bytes.size() < kHeaderBytes || std::memcmp(bytes.data(), kLogprobFileMagic, sizeof(kLogprobFileMagic)) != 0) {
    return make_error(ErrorCode::kInvalidArgument, "{}: not a servir log-prob file (from perplexity --save-logits)",
                      name);
  }
  LogprobFileView view;
  const std::byte* p = bytes.data() + sizeof(kLogprobFileMagic);
  view.header_ = {.vocab_size = read_u32(p),
                  .n_ctx = read_u32(p + 4),
                  .n_chunks = read_u32(p + 8),
                  .first_scored = read_u32(p + 12)};
  const LogprobFileHeader& h = view.header_;
  if (h.vocab_size == 0 || h.n_chunks == 0 || h.n_ctx < 2 || h.first_scored >= h.n_ctx - 1) {
    return make_error(ErrorCode::kInvalidArgument,
                      "{}: bad header (vocab {}, ctx {}, chunks {}, first scored position {})", name, h.vocab_size,
                      h.n_ctx, h.n_chunks, h.first_scored);
  }
  // Counts are u32, so n_tokens and n_rows fit in 64 bits, but rows x vocab
  // may not: divide the bytes left instead of multiplying.
  // In u64 here: the header's int64 helpers are for validated files only.
  const std::uint64_t n_tokens = std::uint64_t{h.n_chunks} * h.n_ctx;
  const std::uint64_t n_rows = std::uint64_t{h.n_chunks} * (h.n_ctx - 1 - h.first_scored);
  const std::uint64_t left = bytes.size() - kHeaderBytes;
  if (n_tokens > left / 4) {
    return make_error(ErrorCode::kInvalidArgument, "{}: {} tokens do not fit in {} bytes", name, n_tokens, left);
  }
  const std::uint64_t row_bytes = 4ULL * h.vocab_size;
  if (n_rows > (left - 4 * n_tokens) / row_bytes || 4 * n_tokens + n_rows * row_bytes != left) {
    return make_error(ErrorCode::kInvalidArgument,
                      "{}: {} bytes after the header, expected {} tokens and {} rows of {}", name, left, n_tokens,
                      n_rows, h.vocab_size);
  }
  view.tokens_ = bytes.data() + kHeaderBytes;
  view.rows_ = view.tokens_ + 4 * n_tokens;
  return view;
}

std::int32_t LogprobFileView::token(std::int64_t i) const {
  std::int32_t v;
  std::memcpy(&v, tokens_ + 4 * i, sizeof v);
  return v;
}

void LogprobFileView::row(std::int64_t i, float* out) const {
  std::memcpy(out, rows_ + static_cast<std::size_t>(i) * 4 * header_.vocab_size, 4 * std::size_t{header_.vocab_size});
}

Status write_logprob_file(const std::string& path, const LogprobFileHeader& header,
                          std::span<const std::int32_t> tokens, std::span<const float> rows) {
  if (static_cast<std::int64_t>(tokens.size()) != header.n_tokens() ||
      static_cast<std::int64_t>(rows.size()) != header.n_rows() * header.vocab_size) {
    return make_error(ErrorCode::kInternal, "log-prob file: {} tokens and {} values do not match the header",
                      tokens.size(), rows.size());
  }
  return write_file_atomically(path, [&](const ByteSink& sink) {
    std::byte head[kHeaderBytes];
    std::memcpy(head, kLogprobFileMagic, sizeof(kLogprobFileMagic));
    const std::uint32_t fields[4] = {header.vocab_size, header.n_ctx, header.n_chunks, header.first_scored};
    std::memcpy(head + sizeof(kLogprobFileMagic), fields, sizeof fields);
    sink(head);
    sink(std::as_bytes(tokens));
    sink(std::as_bytes(rows));
  });
}

}  // namespace servir
