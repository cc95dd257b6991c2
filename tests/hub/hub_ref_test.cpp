// Hub references and repository paths: what users type and what the Hub's
// listing may contain (untrusted).
#include "hub/hub_ref.h"

#include <gtest/gtest.h>

namespace servir::hub {
namespace {

TEST(HubRef, ParsesRepoRevisionAndFile) {
  auto ref = parse_hub_ref(
      "hf:bartowski/SmolLM2-135M-Instruct-GGUF@09816acd5d99df7be770d85ea30822623dab342c:"
      "SmolLM2-135M-Instruct-Q4_K_M.gguf");
  ASSERT_TRUE(ref.ok()) << ref.status().to_string();
  EXPECT_EQ(ref->repo_id, "bartowski/SmolLM2-135M-Instruct-GGUF");
  EXPECT_EQ(ref->revision, "09816acd5d99df7be770d85ea30822623dab342c");
  EXPECT_TRUE(is_commit_hash(ref->revision));
  ASSERT_TRUE(ref->file.has_value());
  EXPECT_EQ(*ref->file, "SmolLM2-135M-Instruct-Q4_K_M.gguf");
}

TEST(HubRef, DefaultsToMainAndWholeRepo) {
  auto ref = parse_hub_ref("hf:org/model.v2");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->revision, "main");
  EXPECT_FALSE(ref->file.has_value());
  EXPECT_EQ(ref->to_string(), "hf:org/model.v2");
  auto pr = parse_hub_ref("hf:org/m@refs/pr/1");
  ASSERT_TRUE(pr.ok());
  EXPECT_EQ(pr->revision, "refs/pr/1");
  auto nested = parse_hub_ref("hf:org/m:sub/dir/x.gguf");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(*nested->file, "sub/dir/x.gguf");
}

TEST(HubRef, RefusesMalformedReferences) {
  for (const char* text : {"org/repo", "hf:", "hf:repo", "hf:a/b/c", "hf:org/", "hf:/repo", "hf:org/re po", "hf:org/..",
                           "hf:org/a--b", "hf:org/repo@", "hf:org/repo@../x", "hf:org/repo:", "hf:org/repo:../x.gguf",
                           "hf:org/repo:/etc/passwd", "hf:org/repo@main:a//b"}) {
    EXPECT_FALSE(parse_hub_ref(text).ok()) << text;
  }
}

TEST(HubRef, SafeRepoPaths) {
  EXPECT_TRUE(is_safe_repo_path("model.safetensors"));
  EXPECT_TRUE(is_safe_repo_path("onnx/model.json"));
  EXPECT_TRUE(is_safe_repo_path("a..b/c"));
  for (const char* bad : {"", "/abs", "../x", "a/../b", "a/./b", "a//b", "a/", "a\\b", "..", "."}) {
    EXPECT_FALSE(is_safe_repo_path(bad)) << bad;
  }
  EXPECT_FALSE(is_safe_repo_path(std::string("a\nb")));
  EXPECT_FALSE(is_safe_repo_path(std::string(2000, 'a')));
}

}  // namespace
}  // namespace servir::hub
