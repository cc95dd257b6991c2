// Hostile and broken GGUF files: each gets a clear error naming what is
// wrong and where, never a crash or a large allocation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "gguf_test_util.h"

namespace servir {
namespace {

using testing::ByteBuilder;
using ::testing::HasSubstr;

constexpr std::uint32_t kTypeString = 8;
constexpr std::uint32_t kTypeArray = 9;
constexpr std::uint32_t kTypeU32 = 4;
constexpr std::uint32_t kF32 = 0;

Status parse_error(std::span<const std::byte> bytes) {
  auto file = GgufFile::parse(bytes, "bad.gguf");
  EXPECT_FALSE(file.ok()) << "parsed a broken file";
  return file.ok() ? Status() : file.status();
}

// A header with one f32 tensor "t" of ne = {ne0}, at data offset `offset`,
// followed by `data_bytes` of data.
ByteBuilder one_tensor(std::uint64_t ne0, std::uint32_t type, std::uint64_t offset, std::size_t data_bytes) {
  ByteBuilder b;
  b.header(3, 1, 0).str("t").put<std::uint32_t>(1).put<std::uint64_t>(ne0).put(type).put(offset);
  b.pad_to(32).zeros(data_bytes);
  return b;
}

TEST(GgufBadInput, EveryTruncationOfAValidFileFailsCleanly) {
  GgufWriter writer;
  writer.set("general.architecture", GgufValue("llama"));
  writer.set("list", GgufValue::string_array({"a", "bb", "ccc"}));
  ASSERT_TRUE(writer.add_tensor("w", GgmlType::kF32, {4, 2}, std::vector<std::byte>(32, std::byte{1})).ok());
  const auto bytes = writer.write_to_memory();
  ASSERT_TRUE(GgufFile::parse(bytes, "ok.gguf").ok());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    auto file = GgufFile::parse(std::span(bytes).first(n), "cut.gguf");
    EXPECT_FALSE(file.ok()) << "prefix of " << n << " bytes parsed";
    if (!file.ok()) {
      EXPECT_THAT(file.status().message(), HasSubstr("cut.gguf")) << n;
    }
  }
}

TEST(GgufBadInput, WrongMagic) {
  ByteBuilder b;
  b.put<std::uint32_t>(0x464c457f).put<std::uint32_t>(3).zeros(16);  // an ELF header
  const Status st = parse_error(b.span());
  EXPECT_EQ(st.code(), ErrorCode::kCorruptData);
  EXPECT_THAT(st.message(), HasSubstr("not a GGUF file"));
  EXPECT_THAT(st.message(), HasSubstr("bad.gguf"));
}

TEST(GgufBadInput, TooShortForAHeader) {
  const std::vector<std::byte> two(2, std::byte{'G'});
  EXPECT_THAT(parse_error(two).message(), HasSubstr("too short"));
}

TEST(GgufBadInput, Version1IsRefusedWithAReason) {
  ByteBuilder b;
  b.header(1, 0, 0);
  const Status st = parse_error(b.span());
  EXPECT_EQ(st.code(), ErrorCode::kUnsupported);
  EXPECT_THAT(st.message(), HasSubstr("GGUF version 1 is not supported"));
  EXPECT_THAT(st.message(), HasSubstr("re-convert"));
}

TEST(GgufBadInput, UnknownVersion) {
  ByteBuilder b;
  b.header(7, 0, 0);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("GGUF version 7 is not supported"));
}

TEST(GgufBadInput, AbsurdTensorCount) {
  ByteBuilder b;
  b.header(3, std::uint64_t{1} << 60, 0);
  const Status st = parse_error(b.span());
  EXPECT_THAT(st.message(), HasSubstr("1152921504606846976 tensors cannot fit"));
}

TEST(GgufBadInput, AbsurdMetadataCount) {
  ByteBuilder b;
  b.header(3, 0, std::uint64_t{1} << 62);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("metadata entries cannot fit"));
}

TEST(GgufBadInput, StringLongerThanTheFile) {
  ByteBuilder b;
  b.header(3, 0, 1).put<std::uint64_t>(1000000).zeros(8);
  const Status st = parse_error(b.span());
  EXPECT_THAT(st.message(), HasSubstr("metadata key of 1000000 bytes is longer than"));
  EXPECT_THAT(st.message(), HasSubstr("offset 24"));
}

TEST(GgufBadInput, StringValueLongerThanTheFile) {
  ByteBuilder b;
  b.header(3, 0, 1).str("k").put(kTypeString).put<std::uint64_t>(~std::uint64_t{0});
  const Status st = parse_error(b.span());
  EXPECT_THAT(st.message(), HasSubstr("key 'k'"));
  EXPECT_THAT(st.message(), HasSubstr("longer than the 0 bytes left"));
}

TEST(GgufBadInput, ArrayCountLargerThanTheFile) {
  ByteBuilder b;
  b.header(3, 0, 1).str("k").put(kTypeArray).put(kTypeU32).put<std::uint64_t>(std::uint64_t{1} << 61);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("cannot fit in the 0 bytes left"));
}

TEST(GgufBadInput, ArraysNestedTooDeep) {
  ByteBuilder b;
  b.header(3, 0, 1).str("k").put(kTypeArray);
  for (int i = 0; i < 20; ++i) b.put(kTypeArray).put<std::uint64_t>(1);
  b.put(kTypeU32).put<std::uint64_t>(0);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("nested deeper than"));
}

TEST(GgufBadInput, UnknownValueType) {
  ByteBuilder b;
  b.header(3, 0, 1).str("k").put<std::uint32_t>(99).zeros(8);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("key 'k': unknown value type 99"));
}

TEST(GgufBadInput, DuplicateKey) {
  ByteBuilder b;
  b.header(3, 0, 2).str("k").put(kTypeU32).put<std::uint32_t>(1).str("k").put(kTypeU32).put<std::uint32_t>(2);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("duplicate metadata key 'k'"));
}

TEST(GgufBadInput, AlignmentNotAPowerOfTwo) {
  ByteBuilder b;
  b.header(3, 0, 1).str("general.alignment").put(kTypeU32).put<std::uint32_t>(48);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("general.alignment 48 is not a power of two"));
}

TEST(GgufBadInput, AlignmentOfTheWrongType) {
  ByteBuilder b;
  b.header(3, 0, 1).str("general.alignment").put(kTypeString).str("32");
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("general.alignment must be a u32"));
}

TEST(GgufBadInput, TensorDataOutOfBounds) {
  const auto b = one_tensor(8, kF32, 0, 16);  // needs 32 bytes, file has 16
  const Status st = parse_error(b.span());
  EXPECT_THAT(st.message(), HasSubstr("tensor 't'"));
  EXPECT_THAT(st.message(), HasSubstr("outside the 16 bytes of tensor data"));
}

TEST(GgufBadInput, TensorOffsetHugeDoesNotWrapAround) {
  const auto b = one_tensor(8, kF32, ~std::uint64_t{0} - 31, 64);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("outside"));
}

TEST(GgufBadInput, MisalignedTensorOffset) {
  const auto b = one_tensor(1, kF32, 4, 64);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("data offset 4 is not a multiple of the alignment 32"));
}

TEST(GgufBadInput, UnknownTensorType) {
  const auto b = one_tensor(1, 4, 0, 64);  // 4 was Q4_2, removed from ggml
  const Status st = parse_error(b.span());
  EXPECT_EQ(st.code(), ErrorCode::kUnsupported);
  EXPECT_THAT(st.message(), HasSubstr("tensor 't': unknown tensor type 4"));
}

TEST(GgufBadInput, RowNotAWholeNumberOfBlocks) {
  const auto b = one_tensor(33, static_cast<std::uint32_t>(GgmlType::kQ8_0), 0, 128);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("row of 33 elements is not a whole number of q8_0 blocks"));
}

TEST(GgufBadInput, ShapeProductOverflows) {
  ByteBuilder b;
  b.header(3, 1, 0).str("t").put<std::uint32_t>(2).put<std::uint64_t>(std::uint64_t{1} << 40);
  b.put<std::uint64_t>(std::uint64_t{1} << 40).put(kF32).put<std::uint64_t>(0).pad_to(32);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("element count overflows"));
}

TEST(GgufBadInput, ByteSizeOverflows) {
  // 2^62 f32 elements: the count fits in int64, the byte size does not.
  ByteBuilder b;
  b.header(3, 1, 0).str("t").put<std::uint32_t>(1).put<std::uint64_t>(std::uint64_t{1} << 62);
  b.put(kF32).put<std::uint64_t>(0).pad_to(32);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("byte size overflows"));
}

TEST(GgufBadInput, TooManyDimensions) {
  ByteBuilder b;
  b.header(3, 1, 0).str("t").put<std::uint32_t>(5);
  for (int i = 0; i < 5; ++i) b.put<std::uint64_t>(1);
  b.put(kF32).put<std::uint64_t>(0).pad_to(32).zeros(32);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("5 dimensions (must be 1..4)"));
}

TEST(GgufBadInput, DuplicateTensorNames) {
  ByteBuilder b;
  b.header(3, 2, 0);
  b.str("t").put<std::uint32_t>(1).put<std::uint64_t>(1).put(kF32).put<std::uint64_t>(0);
  b.str("t").put<std::uint32_t>(1).put<std::uint64_t>(1).put(kF32).put<std::uint64_t>(32);
  b.pad_to(32).zeros(64);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("duplicate tensor name 't'"));
}

TEST(GgufBadInput, OverlappingTensors) {
  ByteBuilder b;
  b.header(3, 2, 0);
  b.str("a").put<std::uint32_t>(1).put<std::uint64_t>(16).put(kF32).put<std::uint64_t>(0);
  b.str("b").put<std::uint32_t>(1).put<std::uint64_t>(16).put(kF32).put<std::uint64_t>(32);
  b.pad_to(32).zeros(128);
  const Status st = parse_error(b.span());
  EXPECT_THAT(st.message(), HasSubstr("tensors 'a'"));
  EXPECT_THAT(st.message(), HasSubstr("overlap"));
}

TEST(GgufBadInput, BoolOtherThanZeroOrOne) {
  ByteBuilder b;
  b.header(3, 0, 1).str("flag").put<std::uint32_t>(7).put<std::uint8_t>(2);
  EXPECT_THAT(parse_error(b.span()).message(), HasSubstr("bool value 2"));
}

}  // namespace
}  // namespace servir
