// The --save-logits / --kl-base file: a written file reads back exactly, and
// hostile headers (counts larger than the bytes, overflowing products, bad
// magic, truncation) are refused before anything is read.
#include "formats/logprob_file.h"

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "testing/test_paths.h"
#include "util/mapped_file.h"

namespace servir {
namespace {

std::vector<std::byte> header_bytes(std::uint32_t vocab, std::uint32_t ctx, std::uint32_t chunks, std::uint32_t first) {
  std::vector<std::byte> out(sizeof(kLogprobFileMagic) + 16);
  std::memcpy(out.data(), kLogprobFileMagic, sizeof(kLogprobFileMagic));
  const std::uint32_t fields[4] = {vocab, ctx, chunks, first};
  std::memcpy(out.data() + sizeof(kLogprobFileMagic), fields, sizeof fields);
  return out;
}

TEST(LogprobFile, WrittenFileReadsBack) {
  testing::TempDir dir;
  const LogprobFileHeader header{.vocab_size = 3, .n_ctx = 4, .n_chunks = 2, .first_scored = 2};
  ASSERT_EQ(header.n_rows(), 2);
  const std::vector<std::int32_t> tokens = {1, 5, 7, 2, 1, 6, 6, 0};
  const std::vector<float> rows = {-0.1f, -2.5f, -3.0f, -1.0f, -0.5f, -2.0f};
  const std::string path = (dir.path() / "base.logp").string();
  ASSERT_TRUE(write_logprob_file(path, header, tokens, rows).ok());
  auto file = MappedFile::open(path);
  ASSERT_TRUE(file.ok());
  auto view = LogprobFileView::parse(file->bytes(), path);
  ASSERT_TRUE(view.ok()) << view.status().to_string();
  EXPECT_EQ(view->header().vocab_size, 3u);
  EXPECT_EQ(view->header().n_chunks, 2u);
  for (std::size_t i = 0; i < tokens.size(); ++i) EXPECT_EQ(view->token(static_cast<std::int64_t>(i)), tokens[i]);
  float row[3];
  view->row(1, row);
  EXPECT_EQ(row[0], -1.0f);
  EXPECT_EQ(row[2], -2.0f);
  // A mismatched row count is refused at write time.
  EXPECT_FALSE(write_logprob_file(path, header, tokens, std::vector<float>(5)).ok());
}

TEST(LogprobFile, HostileHeadersAreRefused) {
  const auto refused = [](const std::vector<std::byte>& bytes) {
    return !LogprobFileView::parse(bytes, "x.logp").ok();
  };
  EXPECT_TRUE(refused({}));
  auto bad_magic = header_bytes(2, 4, 1, 2);
  bad_magic[0] = std::byte{'X'};
  EXPECT_TRUE(refused(bad_magic));
  EXPECT_TRUE(refused(header_bytes(0, 4, 1, 2)));  // no vocabulary
  EXPECT_TRUE(refused(header_bytes(2, 4, 1, 3)));  // nothing scored
  EXPECT_TRUE(refused(header_bytes(2, 1, 1, 0)));  // a window of one token
  // Counts whose products overflow 64 bits or exceed the bytes present.
  EXPECT_TRUE(refused(header_bytes(0xffffffffu, 0xffffffffu, 0xffffffffu, 0)));
  auto truncated = header_bytes(2, 4, 1, 2);
  truncated.resize(truncated.size() + 4 * 4 + 4 * 2 - 1);  // one byte short
  EXPECT_TRUE(refused(truncated));
  auto exact = header_bytes(2, 4, 1, 2);
  exact.resize(exact.size() + 4 * 4 + 4 * 2);
  EXPECT_FALSE(refused(exact));
  exact.push_back(std::byte{0});  // trailing garbage
  EXPECT_TRUE(refused(exact));
}

}  // namespace
}  // namespace servir
