#include <cmath>

#include <gtest/gtest.h>

#include "formats/gguf_reader.h"
#include "formats/gguf_writer.h"
#include "gguf_test_util.h"
#include "testing/test_paths.h"

namespace servir {
namespace {

using testing::ByteBuilder;

std::vector<std::byte> f32_bytes(std::vector<float> values) {
  std::vector<std::byte> out(values.size() * 4);
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

TEST(GgufReader, RoundTripsEveryValueTypeAndNestedArrays) {
  GgufWriter writer;
  writer.set("u8", GgufValue(std::uint8_t{200}));
  writer.set("i8", GgufValue(std::int8_t{-100}));
  writer.set("u16", GgufValue(std::uint16_t{60000}));
  writer.set("i16", GgufValue(std::int16_t{-30000}));
  writer.set("u32", GgufValue(std::uint32_t{4000000000u}));
  writer.set("i32", GgufValue(std::int32_t{-2000000000}));
  writer.set("f32", GgufValue(1.5f));
  writer.set("bool", GgufValue(true));
  writer.set("str", GgufValue("héllo"));
  writer.set("u64", GgufValue(std::uint64_t{1} << 40));
  writer.set("i64", GgufValue(std::int64_t{-(std::int64_t{1} << 40)}));
  writer.set("f64", GgufValue(0.1));
  writer.set("strings", GgufValue::string_array({"a", "", "c"}));
  writer.set("nested", GgufValue::array(GgufValueType::kArray,
                                        {GgufValue::array(GgufValueType::kInt32, {GgufValue(1), GgufValue(2)}),
                                         GgufValue::array(GgufValueType::kInt32, {})}));
  ASSERT_TRUE(writer.add_tensor("w", GgmlType::kF32, {3, 2}, f32_bytes({1, 2, 3, 4, 5, 6})).ok());
  ASSERT_TRUE(writer.add_tensor("q", GgmlType::kQ8_0, {32}, std::vector<std::byte>(34, std::byte{1})).ok());
  const auto bytes = writer.write_to_memory();

  auto file = GgufFile::parse(bytes, "mem.gguf");
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(file->metadata().size(), 14u);
  EXPECT_EQ(file->find("u8")->as_uint(), 200u);
  EXPECT_EQ(file->find("i8")->as_int(), -100);
  EXPECT_EQ(file->find("u16")->as_uint(), 60000u);
  EXPECT_EQ(file->find("i16")->as_int(), -30000);
  EXPECT_EQ(file->find("u32")->as_uint(), 4000000000u);
  EXPECT_EQ(file->find("i32")->as_int(), -2000000000);
  EXPECT_EQ(file->find("f32")->as_float(), 1.5);
  EXPECT_EQ(file->find("bool")->as_bool(), true);
  EXPECT_EQ(*file->find("str")->as_string(), "héllo");
  EXPECT_EQ(file->find("u64")->as_uint(), std::uint64_t{1} << 40);
  EXPECT_EQ(file->find("i64")->as_int(), -(std::int64_t{1} << 40));
  EXPECT_EQ(file->find("f64")->as_float(), 0.1);
  EXPECT_FALSE(file->find("i8")->as_uint().has_value()) << "negative values are not unsigned";
  const auto* strings = file->find("strings")->as_array();
  ASSERT_NE(strings, nullptr);
  ASSERT_EQ(strings->values.size(), 3u);
  EXPECT_EQ(*strings->values[2].as_string(), "c");
  const auto* nested = file->find("nested")->as_array();
  ASSERT_NE(nested, nullptr);
  EXPECT_EQ(nested->element_type, GgufValueType::kArray);
  EXPECT_EQ(nested->values[0].as_array()->values[1].as_int(), 2);
  EXPECT_TRUE(nested->values[1].as_array()->values.empty());

  const auto* w = file->find_tensor("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->ne, (std::vector<std::uint64_t>{3, 2}));
  EXPECT_EQ(w->n_bytes, 24u);
  float values[6];
  std::memcpy(values, w->data, sizeof(values));
  EXPECT_EQ(values[5], 6.0f);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(w->data) % 32, reinterpret_cast<std::uintptr_t>(bytes.data()) % 32);
  const auto* q = file->find_tensor("q");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->type, GgmlType::kQ8_0);
  EXPECT_EQ(q->offset % 32, 0u);
}

TEST(GgufReader, HonoursCustomAlignment) {
  GgufWriter writer(64);
  ASSERT_TRUE(writer.add_tensor("a", GgmlType::kF32, {1}, f32_bytes({1})).ok());
  ASSERT_TRUE(writer.add_tensor("b", GgmlType::kF32, {1}, f32_bytes({2})).ok());
  const auto bytes = writer.write_to_memory();
  auto file = GgufFile::parse(bytes, "mem.gguf");
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->alignment(), 64u);
  EXPECT_EQ(file->find_tensor("b")->offset, 64u);
  EXPECT_EQ(file->data_offset() % 64, 0u);
}

TEST(GgufReader, ReadsEveryStorageTypeOfTheIssue) {
  // F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K..Q8_K: parse and report.
  const GgmlType types[] = {GgmlType::kF32,  GgmlType::kF16,  GgmlType::kBF16, GgmlType::kQ8_0, GgmlType::kQ4_0,
                            GgmlType::kQ4_1, GgmlType::kQ5_0, GgmlType::kQ5_1, GgmlType::kQ2_K, GgmlType::kQ3_K,
                            GgmlType::kQ4_K, GgmlType::kQ5_K, GgmlType::kQ6_K, GgmlType::kQ8_K};
  GgufWriter writer;
  for (auto type : types) {
    const auto bytes = *ggml_row_bytes(type, 512);
    ASSERT_TRUE(
        writer
            .add_tensor(std::string(ggml_type_name(type)), type, {256, 2}, std::vector<std::byte>(bytes, std::byte{0}))
            .ok());
  }
  const auto bytes = writer.write_to_memory();
  auto file = GgufFile::parse(bytes, "mem.gguf");
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  for (auto type : types) {
    const auto* t = file->find_tensor(ggml_type_name(type));
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->type, type);
    EXPECT_EQ(t->n_bytes, *ggml_row_bytes(type, 512));
  }
  EXPECT_EQ(ggml_type_info(GgmlType::kQ4_K).type_size, 144u);
  EXPECT_EQ(ggml_type_info(GgmlType::kQ6_K).type_size, 210u);
  EXPECT_EQ(ggml_type_info(GgmlType::kQ2_K).type_size, 84u);
  EXPECT_EQ(ggml_type_info(GgmlType::kQ3_K).type_size, 110u);
  EXPECT_EQ(ggml_type_info(GgmlType::kQ5_K).type_size, 176u);
  EXPECT_EQ(ggml_type_info(GgmlType::kQ8_K).type_size, 292u);
}

TEST(GgufReader, ReadsStories260K) {
  const auto path = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(path);
  auto file = GgufFile::open(path.string());
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(*file->find("general.architecture")->as_string(), "llama");
  EXPECT_EQ(file->find("llama.embedding_length")->as_uint(), 64u);
  EXPECT_EQ(file->find("llama.block_count")->as_uint(), 5u);
  const auto* tokens = file->find("tokenizer.ggml.tokens")->as_array();
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->values.size(), 512u);
  const auto* embd = file->find_tensor("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_EQ(embd->ne, (std::vector<std::uint64_t>{64, 512}));
  EXPECT_EQ(embd->type, GgmlType::kF32);
}

TEST(GgufReader, ReadsEveryVocabFileOfTheTestSuite) {
  const auto dir = testing::shared_path("testdata/vocab");
  SKIP_WITHOUT_SHARED(dir);
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".gguf") continue;
    auto file = GgufFile::open(entry.path().string());
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    EXPECT_NE(file->find("tokenizer.ggml.model"), nullptr) << entry.path();
    ++n;
  }
  EXPECT_GE(n, 5);
}

}  // namespace
}  // namespace servir
