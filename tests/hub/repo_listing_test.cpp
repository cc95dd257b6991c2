// The revision API's answer (untrusted JSON) and the cache layout.
#include "hub/repo_listing.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "hub/hub_cache.h"
#include "hub/snapshot_pull.h"
#include "testing/test_paths.h"

namespace servir::hub {
namespace {

constexpr const char* kCommit = "0123456789abcdef0123456789abcdef01234567";

TEST(RepoListing, ParsesSiblingsWithBlobsAndLfs) {
  const std::string json = std::string(R"({"id":"o/r","sha":")") + kCommit + R"(","siblings":[
      {"rfilename":"config.json","size":649,"blobId":"896D017152378430ABDAD3905FA8C571F32C5AF7"},
      {"rfilename":"model.safetensors","size":10,"blobId":"1111111111111111111111111111111111111111",
       "lfs":{"sha256":"187d0d5e8360d9625e40e0b35ec57d1ef0eea1a60ddcf09412246bed3484852f","size":10,"pointerSize":134}},
      {"rfilename":"README.md"}]})";
  auto listing = parse_repo_revision(json);
  ASSERT_TRUE(listing.ok()) << listing.status().to_string();
  EXPECT_EQ(listing->commit, kCommit);
  ASSERT_EQ(listing->files.size(), 3u);
  const RepoFile* config = listing->find("config.json");
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(config->etag(), "896d017152378430abdad3905fa8c571f32c5af7");  // lower-cased git id
  EXPECT_EQ(*config->size, 649u);
  const RepoFile* model = listing->find("model.safetensors");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->etag(), "187d0d5e8360d9625e40e0b35ec57d1ef0eea1a60ddcf09412246bed3484852f");
  EXPECT_FALSE(listing->find("README.md")->size.has_value());
}

TEST(RepoListing, RefusesHostileListings) {
  const std::string head = std::string(R"({"sha":")") + kCommit + R"(","siblings":[)";
  for (const std::string& siblings : {
           std::string(R"({"rfilename":"../../etc/passwd"})"),
           std::string(R"({"rfilename":"/abs.json"})"),
           std::string(R"({"rfilename":"a\\b"})"),
           std::string(R"({"rfilename":7})"),
           std::string(R"({"rfilename":"x","size":-1})"),
           std::string(R"({"rfilename":"x","size":1e300})"),
           std::string(R"({"rfilename":"x","size":99999999999999999})"),
           std::string(R"({"rfilename":"x","blobId":"../../x"})"),
           std::string(R"({"rfilename":"x","lfs":{"sha256":"zz"}})"),
           std::string(R"({"rfilename":"x","size":1,"lfs":{"sha256":")") + std::string(64, 'a') + R"(","size":2}})",
           std::string(R"({"rfilename":"x"},{"rfilename":"x"})"),
       }) {
    EXPECT_FALSE(parse_repo_revision(head + siblings + "]}").ok()) << siblings;
  }
  EXPECT_FALSE(parse_repo_revision(R"({"sha":"main","siblings":[]})").ok());
  EXPECT_FALSE(parse_repo_revision(R"({"sha":"0123"})").ok());
  EXPECT_FALSE(parse_repo_revision("[1,2").ok());
  EXPECT_FALSE(parse_repo_revision(std::string(kMaxListingBytes + 1, ' ')).ok());
}

TEST(RepoListing, DefaultSelectionAndGlobs) {
  EXPECT_TRUE(default_pull_selects("model-00001-of-00002.safetensors"));
  EXPECT_TRUE(default_pull_selects("tokenizer_config.json"));
  EXPECT_TRUE(default_pull_selects("tokenizer.model"));
  EXPECT_FALSE(default_pull_selects("pytorch_model.bin"));
  EXPECT_FALSE(default_pull_selects("onnx/config.json"));
  EXPECT_FALSE(default_pull_selects("model.gguf"));
  EXPECT_TRUE(glob_matches("*.gguf", "sub/x.gguf"));  // '*' crosses '/', as huggingface_hub's fnmatch
  EXPECT_FALSE(glob_matches("*.gguf", "x.safetensors"));
}

TEST(HubCache, LayoutMatchesHuggingfaceHub) {
  testing::TempDir dir;
  RepoCache cache(dir.path(), "org/name.v1");
  EXPECT_EQ(cache.repo_dir(), dir.path() / "models--org--name.v1");
  ASSERT_TRUE(cache.prepare().ok());
  const std::string etag(64, 'e');
  {
    std::FILE* f = std::fopen(cache.blob_path(etag).c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("data", f);
    std::fclose(f);
  }
  ASSERT_TRUE(cache.link_snapshot_file(kCommit, "sub/dir/file.bin", etag).ok());
  const auto link = cache.snapshot_path(kCommit, "sub/dir/file.bin");
  EXPECT_EQ(std::filesystem::read_symlink(link), std::filesystem::path("../../../../blobs") / etag);
  EXPECT_TRUE(cache.has_snapshot_file(kCommit, "sub/dir/file.bin"));
  EXPECT_TRUE(cache.snapshot_links_blob(kCommit, "sub/dir/file.bin", etag));
  // Linking again replaces the entry atomically.
  ASSERT_TRUE(cache.link_snapshot_file(kCommit, "sub/dir/file.bin", etag).ok());
  EXPECT_EQ(cache.lock_path(etag), dir.path() / ".locks" / "models--org--name.v1" / (etag + ".lock"));

  EXPECT_FALSE(cache.read_ref("main").has_value());
  ASSERT_TRUE(cache.write_ref("refs/pr/1", kCommit).ok());
  EXPECT_EQ(cache.read_ref("refs/pr/1").value_or(""), kCommit);
  EXPECT_FALSE(cache.write_ref("../escape", kCommit).ok());
}

}  // namespace
}  // namespace servir::hub
