#include <cstring>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "formats/safetensors.h"
#include "gguf_test_util.h"

namespace servir {
namespace {

using ::testing::HasSubstr;

// A safetensors file with the given JSON header and `data_bytes` of data.
std::vector<std::byte> with_header(const std::string& header, std::size_t data_bytes) {
  testing::ByteBuilder b;
  b.put<std::uint64_t>(header.size());
  for (char c : header) b.put(c);
  b.zeros(data_bytes);
  return b.bytes();
}

Status parse_error(const std::vector<std::byte>& bytes) {
  auto file = SafetensorsFile::parse(bytes, "bad.safetensors");
  EXPECT_FALSE(file.ok());
  return file.ok() ? Status() : file.status();
}

TEST(Safetensors, WriterRoundTrip) {
  SafetensorsWriter writer;
  writer.set_metadata("format", "pt");
  ASSERT_TRUE(writer
                  .add_tensor("a", "F32", {2, 3},
                              [](std::span<std::byte> out) {
                                const float v[6] = {1, 2, 3, 4, 5, 6};
                                std::memcpy(out.data(), v, sizeof(v));
                              })
                  .ok());
  ASSERT_TRUE(
      writer.add_tensor("b", "BF16", {4}, [](std::span<std::byte> out) { std::memset(out.data(), 0, 8); }).ok());
  const auto bytes = writer.write_to_memory();
  auto file = SafetensorsFile::parse(bytes, "mem.safetensors");
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->metadata().at("format"), "pt");
  const auto* a = file->find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->shape, (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(a->n_bytes, 24u);
  float v[6];
  std::memcpy(v, a->data, sizeof(v));
  EXPECT_EQ(v[4], 5.0f);
  EXPECT_EQ(file->find("b")->dtype, "BF16");
  EXPECT_EQ(safetensors_dtype_to_ggml("BF16"), GgmlType::kBF16);
  EXPECT_FALSE(safetensors_dtype_to_ggml("I32").has_value());
}

TEST(Safetensors, HeaderOver100MBIsRefusedBeforeParsing) {
  testing::ByteBuilder b;
  b.put<std::uint64_t>(200'000'000).zeros(16);
  const Status st = parse_error(b.bytes());
  EXPECT_THAT(st.message(), HasSubstr("exceeds the 100 MB limit"));
  EXPECT_THAT(st.message(), HasSubstr("bad.safetensors"));
}

TEST(Safetensors, HeaderLongerThanTheFile) {
  testing::ByteBuilder b;
  b.put<std::uint64_t>(5000).zeros(16);
  EXPECT_THAT(parse_error(b.bytes()).message(), HasSubstr("header of 5000 bytes is longer than the 16 bytes"));
}

TEST(Safetensors, TooShort) { EXPECT_THAT(parse_error(std::vector<std::byte>(3)).message(), HasSubstr("too short")); }

TEST(Safetensors, HeaderNotJson) {
  EXPECT_THAT(parse_error(with_header("{\"a\": [1, 2", 0)).message(), HasSubstr("not valid JSON"));
}

TEST(Safetensors, HeaderNotAnObject) {
  EXPECT_THAT(parse_error(with_header("[1, 2]", 0)).message(), HasSubstr("not a JSON object"));
}

TEST(Safetensors, UnknownDtype) {
  const Status st = parse_error(with_header(R"({"w": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 1]}})", 1));
  EXPECT_EQ(st.code(), ErrorCode::kUnsupported);
  EXPECT_THAT(st.message(), HasSubstr("tensor 'w': unknown dtype 'Q9'"));
}

TEST(Safetensors, DataOutOfBounds) {
  const Status st = parse_error(with_header(R"({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", 8));
  EXPECT_THAT(st.message(), HasSubstr("tensor 'w': data [0, 16) lies outside the 8 bytes"));
}

TEST(Safetensors, ByteSizeDisagreesWithShape) {
  const Status st = parse_error(with_header(R"({"w": {"dtype": "F16", "shape": [2, 3], "data_offsets": [0, 8]}})", 8));
  EXPECT_THAT(st.message(), HasSubstr("holds 8 bytes but shape [2,3] of F16 needs 12"));
}

TEST(Safetensors, OffsetsBackwards) {
  EXPECT_THAT(parse_error(with_header(R"({"w": {"dtype": "U8", "shape": [0], "data_offsets": [4, 0]}})", 8)).message(),
              HasSubstr("run backwards"));
}

TEST(Safetensors, ShapeOverflow) {
  const Status st = parse_error(
      with_header(R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 16], "data_offsets": [0, 0]}})", 0));
  EXPECT_THAT(st.message(), HasSubstr("overflows"));
}

TEST(Safetensors, NegativeShape) {
  EXPECT_THAT(
      parse_error(with_header(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4)).message(),
      HasSubstr("non-negative integers"));
}

TEST(Safetensors, OverlappingTensors) {
  const Status st = parse_error(with_header(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                                            12));
  EXPECT_THAT(st.message(), HasSubstr("tensors 'a' and 'b' overlap"));
}

TEST(Safetensors, MissingFields) {
  EXPECT_THAT(parse_error(with_header(R"({"w": {"shape": [1], "data_offsets": [0, 4]}})", 4)).message(),
              HasSubstr("missing string 'dtype'"));
  EXPECT_THAT(parse_error(with_header(R"({"w": {"dtype": "F32", "shape": [1]}})", 4)).message(),
              HasSubstr("'data_offsets' must be [begin, end]"));
}

TEST(Safetensors, DuplicateTensorNames) {
  const Status st = parse_error(with_header(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
        "a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                                            8));
  EXPECT_THAT(st.message(), HasSubstr("tensor 'a' appears twice"));
}

TEST(Safetensors, MetadataValuesMustBeStrings) {
  EXPECT_THAT(parse_error(with_header(R"({"__metadata__": {"n": 3}})", 0)).message(),
              HasSubstr("__metadata__ value of 'n' is not a string"));
}

TEST(Safetensors, DeeplyNestedJsonIsAnErrorNotACrash) {
  std::string deep = "{\"w\": ";
  for (int i = 0; i < 100000; ++i) deep += "[";
  const Status st = parse_error(with_header(deep, 0));
  EXPECT_EQ(st.code(), ErrorCode::kCorruptData);
}

}  // namespace
}  // namespace servir
