// ModelDescription from GGUF and HF folders made by the synthetic model
// writer, the reference models in ../shared, and every refusal path.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "formats/integrity.h"
#include "formats/model_description.h"
#include "formats/synthetic_model.h"
#include "formats/tensor_names.h"
#include "testing/synthetic_specs.h"
#include "testing/test_paths.h"

namespace servir {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

SyntheticModelSpec small_spec(Architecture arch, const std::string& out) {
  return testing::small_model_spec(arch, out);
}

ModelDescription make_and_open(SyntheticModelSpec spec) {
  EXPECT_TRUE(complete_synthetic_spec(spec).ok());
  EXPECT_TRUE(write_synthetic_model(spec).ok());
  auto model = open_model(spec.out_path);
  EXPECT_TRUE(model.ok()) << model.status().to_string();
  return std::move(model).value();
}

void edit_json(const std::filesystem::path& path, const std::function<void(nlohmann::json&)>& edit) {
  std::ifstream in(path);
  auto j = nlohmann::json::parse(in);
  edit(j);
  std::ofstream(path, std::ios::trunc) << j.dump();
}

class SyntheticModels : public ::testing::TestWithParam<std::tuple<Architecture, bool>> {};

TEST_P(SyntheticModels, DescribeTheSameModelInBothFormats) {
  const auto [arch, gguf] = GetParam();
  TempDir dir;
  const auto model = make_and_open(small_spec(arch, (dir / (gguf ? "m.gguf" : "hf")).string()));
  const ModelConfig& c = model.config();
  EXPECT_EQ(c.arch, arch);
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.n_layers, 2);
  EXPECT_EQ(c.n_heads, 4);
  EXPECT_EQ(c.n_kv_heads, 2);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_EQ(c.ffn_size, 96);
  EXPECT_EQ(c.vocab_size, 100);
  EXPECT_EQ(c.attention_bias, arch == Architecture::kQwen2);
  EXPECT_EQ(c.qk_norm, arch == Architecture::kQwen3);
  EXPECT_FALSE(c.tied_embeddings);
  EXPECT_EQ(model.format(), gguf ? ModelFormat::kGguf : ModelFormat::kSafetensors);
  const bool interleaved = gguf && (arch == Architecture::kLlama || arch == Architecture::kMistral);
  EXPECT_EQ(c.rope_layout, interleaved ? RopeLayout::kInterleaved : RopeLayout::kNeox);

  // embd 100x64 + out 100x64 + norm 64 + 2 x (2 norms 64 + q 64x64 + k,v 32x64 + o 64x64 + 3 x 96x64)
  std::uint64_t expected = 2 * 100 * 64 + 64 + 2 * (2 * 64 + 64 * 64 + 2 * 32 * 64 + 64 * 64 + 3 * 96 * 64);
  if (arch == Architecture::kQwen2) expected += 2 * (64 + 32 + 32);
  if (arch == Architecture::kQwen3) expected += 2 * (16 + 16);
  EXPECT_EQ(model.parameter_count(), expected);

  const TensorEntry* q = model.find("blk.1.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->shape, (std::vector<std::int64_t>{64, 64}));
  const TensorEntry* k = model.find("blk.1.attn_k.weight");
  EXPECT_EQ(k->shape, (std::vector<std::int64_t>{32, 64}));
  EXPECT_EQ(model.find("token_embd.weight")->shape, (std::vector<std::int64_t>{100, 64}));
  EXPECT_TRUE(model.unused_tensors().empty());
}

INSTANTIATE_TEST_SUITE_P(AllArchitectures, SyntheticModels,
                         ::testing::Combine(::testing::Values(Architecture::kLlama, Architecture::kMistral,
                                                              Architecture::kQwen2, Architecture::kQwen3),
                                            ::testing::Bool()));

TEST(SyntheticModel, SameValuesInGgufAndHf) {
  TempDir dir;
  const auto gguf = make_and_open(small_spec(Architecture::kQwen2, (dir / "m.gguf").string()));
  const auto hf = make_and_open(small_spec(Architecture::kQwen2, (dir / "hf").string()));
  for (const char* name : {"blk.0.attn_q.weight", "blk.1.attn_k.bias", "output.weight", "blk.0.ffn_norm.weight"}) {
    const TensorEntry* a = gguf.find(name);
    const TensorEntry* b = hf.find(name);
    ASSERT_TRUE(a && b) << name;
    ASSERT_EQ(a->n_bytes, b->n_bytes) << name;
    EXPECT_EQ(std::memcmp(a->data, b->data, a->n_bytes), 0) << name;
  }
  float norm = 0;
  std::memcpy(&norm, gguf.find("blk.0.attn_norm.weight")->data, 4);
  EXPECT_EQ(norm, 1.0f);
}

TEST(SyntheticModel, DeterministicAndWeightsLookNormal) {
  TempDir dir;
  auto spec = small_spec(Architecture::kLlama, (dir / "a.gguf").string());
  const auto a = make_and_open(spec);
  spec.out_path = (dir / "b.gguf").string();
  const auto b = make_and_open(spec);
  const TensorEntry* wa = a.find("blk.0.ffn_up.weight");
  const TensorEntry* wb = b.find("blk.0.ffn_up.weight");
  ASSERT_EQ(std::memcmp(wa->data, wb->data, wa->n_bytes), 0);
  const auto* v = reinterpret_cast<const float*>(wa->data);
  double sum = 0, sum_sq = 0;
  const auto n = static_cast<double>(wa->n_elements);
  for (std::uint64_t i = 0; i < wa->n_elements; ++i) {
    sum += v[i];
    sum_sq += static_cast<double>(v[i]) * v[i];
  }
  EXPECT_NEAR(sum / n, 0.0, 0.002);
  EXPECT_NEAR(std::sqrt(sum_sq / n), 0.02, 0.001);
}

TEST(SyntheticModel, F16AndBf16Storage) {
  TempDir dir;
  for (GgmlType type : {GgmlType::kF16, GgmlType::kBF16}) {
    for (const char* out : {"m.gguf", "hf"}) {
      auto spec = small_spec(Architecture::kLlama, (dir / (std::string(ggml_type_name(type)) + out)).string());
      spec.type = type;
      const auto model = make_and_open(spec);
      EXPECT_EQ(model.find("blk.0.attn_q.weight")->type, type);
      // GGUF keeps norms in F32 as llama.cpp does; HF stores everything alike.
      EXPECT_EQ(model.find("output_norm.weight")->type, model.format() == ModelFormat::kGguf ? GgmlType::kF32 : type);
    }
  }
}

TEST(SyntheticModel, ShardedSafetensorsWithIndex) {
  TempDir dir;
  auto spec = small_spec(Architecture::kLlama, (dir / "sharded").string());
  spec.shards = 3;
  const auto model = make_and_open(spec);
  EXPECT_EQ(model.files().size(), 3u);
  EXPECT_TRUE(std::filesystem::exists(dir / "sharded" / "model-00002-of-00003.safetensors"));
  EXPECT_TRUE(std::filesystem::exists(dir / "sharded" / "model.safetensors.index.json"));
  EXPECT_NE(model.find("blk.1.ffn_down.weight"), nullptr);
}

TEST(SyntheticModel, TiedEmbeddings) {
  TempDir dir;
  for (const char* out : {"tied.gguf", "tied"}) {
    auto spec = small_spec(Architecture::kQwen2, (dir / out).string());
    spec.config.tied_embeddings = true;
    const auto model = make_and_open(spec);
    EXPECT_TRUE(model.config().tied_embeddings);
    const TensorEntry* out_w = model.find("output.weight");
    ASSERT_NE(out_w, nullptr);
    EXPECT_TRUE(out_w->alias);
    EXPECT_EQ(out_w->data, model.find("token_embd.weight")->data);
  }
}

TEST(SyntheticModel, CopiesTheVocabularyFromAGgufVocabFile) {
  const auto vocab = testing::shared_path("testdata/vocab/ggml-vocab-llama-spm.gguf");
  SKIP_WITHOUT_SHARED(vocab);
  TempDir dir;
  auto spec = small_spec(Architecture::kLlama, (dir / "v.gguf").string());
  spec.config.vocab_size = 0;
  spec.vocab_from = vocab.string();
  const auto model = make_and_open(spec);
  EXPECT_EQ(model.config().vocab_size, 32000);
  ASSERT_NE(model.gguf(), nullptr);
  EXPECT_EQ(*model.gguf()->find("tokenizer.ggml.model")->as_string(), "llama");
}

TEST(ReferenceModels, Stories260K) {
  const auto path = testing::shared_path("models/stories260K.gguf");
  SKIP_WITHOUT_SHARED(path);
  auto model = open_model(
      path.string(),
      {.verify = true, .expected_sha256 = "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d"});
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const ModelConfig& c = model->config();
  EXPECT_EQ(c.arch, Architecture::kLlama);
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.n_layers, 5);
  EXPECT_EQ(c.n_heads, 8);
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.rope_layout, RopeLayout::kInterleaved);
  EXPECT_EQ(model->files()[0].sha256, "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d");
}

TEST(ReferenceModels, TinyStories656kStoresOnlyLmHead) {
  const auto path = testing::shared_path("models/tinystories-656k");
  SKIP_WITHOUT_SHARED(path);
  auto model = open_model(path.string());
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  const ModelConfig& c = model->config();
  EXPECT_EQ(c.hidden_size, 128);
  EXPECT_EQ(c.n_layers, 2);
  EXPECT_EQ(c.ffn_size, 384);
  EXPECT_EQ(c.vocab_size, 2048);
  EXPECT_EQ(c.context_length, 512);
  EXPECT_TRUE(c.tied_embeddings);
  EXPECT_EQ(c.bos_token_id, 1);
  EXPECT_THAT(c.eos_token_ids, ::testing::Contains(2));
  const TensorEntry* embd = model->find("token_embd.weight");
  ASSERT_NE(embd, nullptr);
  EXPECT_TRUE(embd->alias);
  EXPECT_EQ(embd->source_name, "lm_head.weight");
  EXPECT_EQ(model->parameter_count(), 656000u);
}

// --- refusals -------------------------------------------------------------

TEST(ModelRefusals, MissingConfigKey) {
  TempDir dir;
  auto spec = small_spec(Architecture::kLlama, (dir / "hf").string());
  make_and_open(spec);
  edit_json(dir / "hf" / "config.json", [](nlohmann::json& j) { j.erase("hidden_size"); });
  auto model = open_model((dir / "hf").string());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("config.json: missing required key 'hidden_size'"));
}

TEST(ModelRefusals, ConfigKeyOfTheWrongType) {
  TempDir dir;
  make_and_open(small_spec(Architecture::kLlama, (dir / "hf").string()));
  edit_json(dir / "hf" / "config.json", [](nlohmann::json& j) { j["num_attention_heads"] = "four"; });
  auto model = open_model((dir / "hf").string());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("'num_attention_heads' must be an integer, got string"));
}

TEST(ModelRefusals, UnsupportedArchitecture) {
  TempDir dir;
  make_and_open(small_spec(Architecture::kLlama, (dir / "hf").string()));
  edit_json(dir / "hf" / "config.json", [](nlohmann::json& j) { j["architectures"] = {"GPTNeoXForCausalLM"}; });
  auto model = open_model((dir / "hf").string());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), ErrorCode::kUnsupported);
  EXPECT_THAT(model.status().message(), HasSubstr("architecture 'GPTNeoXForCausalLM' is not supported"));
}

TEST(ModelRefusals, ShapeThatDisagreesWithTheConfig) {
  TempDir dir;
  make_and_open(small_spec(Architecture::kLlama, (dir / "hf").string()));
  edit_json(dir / "hf" / "config.json", [](nlohmann::json& j) { j["intermediate_size"] = 128; });
  auto model = open_model((dir / "hf").string());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(
      model.status().message(),
      HasSubstr("tensor 'model.layers.0.mlp.gate_proj.weight' has shape [96, 64] but the config implies [128, 64]"));
}

TEST(ModelRefusals, MissingTensor) {
  TempDir dir;
  make_and_open(small_spec(Architecture::kLlama, (dir / "hf").string()));
  edit_json(dir / "hf" / "config.json", [](nlohmann::json& j) { j["num_hidden_layers"] = 3; });
  auto model = open_model((dir / "hf").string());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("missing tensor 'blk.2.attn_norm.weight'"));
}

TEST(ModelRefusals, UnsupportedDtype) {
  TempDir dir;
  auto spec = small_spec(Architecture::kLlama, (dir / "hf").string());
  make_and_open(spec);
  SafetensorsWriter writer;
  ASSERT_TRUE(writer.add_tensor("model.norm.weight", "I32", {64}, [](std::span<std::byte>) {}).ok());
  ASSERT_TRUE(writer.write((dir / "hf" / "model.safetensors").string()).ok());
  auto model = open_model((dir / "hf").string());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), ErrorCode::kUnsupported);
  EXPECT_THAT(model.status().message(), HasSubstr("tensor 'model.norm.weight' has unsupported dtype I32"));
}

TEST(ModelRefusals, ShardPathEscapingTheFolder) {
  TempDir dir;
  auto spec = small_spec(Architecture::kLlama, (dir / "hf").string());
  spec.shards = 2;
  make_and_open(spec);
  edit_json(dir / "hf" / "model.safetensors.index.json",
            [](nlohmann::json& j) { j["weight_map"]["model.norm.weight"] = "../../etc/passwd"; });
  auto model = open_model((dir / "hf").string());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("is not a file in the model folder"));
}

TEST(ModelRefusals, PickleCheckpoints) {
  TempDir dir;
  for (const char* name : {"pytorch_model.bin", "model.pt", "weights.pth"}) {
    testing::write_file(dir / name, "\x80\x02}q\x00.");
    auto model = open_model((dir / name).string());
    ASSERT_FALSE(model.ok());
    EXPECT_EQ(model.status().code(), ErrorCode::kUnsafeFormat);
    EXPECT_THAT(model.status().message(), HasSubstr("arbitrary code"));
    EXPECT_THAT(model.status().message(), HasSubstr("safetensors"));
  }
  // A folder whose only weights are pickles.
  std::filesystem::create_directories(dir / "old");
  testing::write_file(dir / "old" / "config.json", "{}");
  testing::write_file(dir / "old" / "pytorch_model.bin", "x");
  auto model = open_model((dir / "old").string());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), ErrorCode::kUnsafeFormat);
}

TEST(ModelRefusals, UnrecognizedFile) {
  TempDir dir;
  testing::write_file(dir / "notes.txt", "hello");
  auto model = open_model((dir / "notes.txt").string());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("unrecognized model file"));
  EXPECT_EQ(open_model((dir / "absent.gguf").string()).status().code(), ErrorCode::kNotFound);
}

TEST(ModelRefusals, VocabOnlyGgufIsNotAModel) {
  const auto vocab = testing::shared_path("testdata/vocab/ggml-vocab-gpt-2.gguf");
  SKIP_WITHOUT_SHARED(vocab);
  auto model = open_model(vocab.string());
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("no tensors (a vocab-only GGUF?)"));
}

// --- integrity --------------------------------------------------------------

TEST(Integrity, Sha256KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  TempDir dir;
  testing::write_file(dir / "abc", "abc");
  EXPECT_EQ(*sha256_file((dir / "abc").string()), sha256_hex("abc"));
}

TEST(Integrity, VerifyAgainstSha256AndManifests) {
  TempDir dir;
  const auto path = (dir / "m.gguf").string();
  make_and_open(small_spec(Architecture::kLlama, path));
  const std::string digest = *sha256_file(path);

  EXPECT_TRUE(open_model(path, {.verify = true, .expected_sha256 = digest}).ok());
  std::string upper = digest;
  for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_TRUE(open_model(path, {.verify = true, .expected_sha256 = upper}).ok()) << "hex is case-insensitive";

  std::string wrong = digest;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  auto bad = open_model(path, {.verify = true, .expected_sha256 = wrong});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kIntegrity);
  EXPECT_THAT(bad.status().message(), HasSubstr("SHA-256 mismatch"));
  EXPECT_THAT(bad.status().message(), HasSubstr("refusing to load"));

  EXPECT_THAT(open_model(path, {.verify = true, .expected_sha256 = "abc"}).status().message(),
              HasSubstr("64 hex digits"));

  // A manifest beside the model is found and used.
  testing::write_file(dir / "m.gguf.sha256", digest + "  m.gguf\n");
  auto ok = open_model(path, {.verify = true});
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(ok->verified_against(), (dir / "m.gguf.sha256").string());
  testing::write_file(dir / "m.gguf.sha256", wrong + " *m.gguf\n");
  EXPECT_EQ(open_model(path, {.verify = true}).status().code(), ErrorCode::kIntegrity);
  testing::write_file(dir / "m.gguf.sha256", digest + "  other.gguf\n");
  EXPECT_THAT(open_model(path, {.verify = true}).status().message(), HasSubstr("not listed in the manifest"));
  testing::write_file(dir / "m.gguf.sha256", "garbage\n");
  EXPECT_THAT(open_model(path, {.verify = true}).status().message(), HasSubstr("not a sha256sum line"));
}

TEST(Integrity, ShardedFolderWithSha256Sums) {
  TempDir dir;
  auto spec = small_spec(Architecture::kQwen3, (dir / "hf").string());
  spec.shards = 2;
  make_and_open(spec);
  std::string manifest;
  for (const char* shard : {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
    manifest += *sha256_file((dir / "hf" / shard).string()) + "  " + shard + "\n";
  }
  testing::write_file(dir / "hf" / "SHA256SUMS", manifest);
  auto model = open_model((dir / "hf").string(), {.verify = true});
  ASSERT_TRUE(model.ok()) << model.status().to_string();
  for (const auto& f : model->files()) EXPECT_TRUE(f.sha256.has_value()) << f.path;

  // Flip one byte of the second shard's data: the load must be refused.
  const auto shard2 = dir / "hf" / "model-00002-of-00002.safetensors";
  std::string bytes = testing::read_file(shard2);
  bytes[bytes.size() - 1] ^= 0x01;
  testing::write_file(shard2, bytes);
  auto tampered = open_model((dir / "hf").string(), {.verify = true});
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.status().code(), ErrorCode::kIntegrity);
  EXPECT_THAT(tampered.status().message(), HasSubstr("model-00002-of-00002.safetensors: SHA-256 mismatch"));
  EXPECT_THAT(
      open_model((dir / "hf").string(), {.verify = true, .expected_sha256 = std::string(64, '0')}).status().message(),
      HasSubstr("use a sha256sum manifest"));
}

}  // namespace
}  // namespace servir
