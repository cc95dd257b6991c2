#include "server/auth.h"

#include <gtest/gtest.h>

#include "testing/test_paths.h"

namespace servir::server {
namespace {

TEST(AuthTest, KeyIdIsTheSha256Prefix) {
  // SHA-256("abc") = ba7816bf 8f01cfea ...
  EXPECT_EQ(ApiKeySet::key_id("abc"), "ba7816bf");
  EXPECT_EQ(ApiKeySet::key_id("abc").size(), 8u);
}

TEST(AuthTest, MatchesOnlyTheExactKey) {
  auto keys = ApiKeySet::load({"sk-first-key", "sk-second"}, "", "");
  ASSERT_TRUE(keys.ok()) << keys.status().to_string();
  EXPECT_TRUE(keys->enabled());
  EXPECT_EQ(keys->match("sk-first-key"), ApiKeySet::key_id("sk-first-key"));
  EXPECT_EQ(keys->match("sk-second"), ApiKeySet::key_id("sk-second"));
  EXPECT_FALSE(keys->match("sk-first-ke").has_value());    // prefix
  EXPECT_FALSE(keys->match("sk-first-key2").has_value());  // extension
  EXPECT_FALSE(keys->match("SK-FIRST-KEY").has_value());   // case
  EXPECT_FALSE(keys->match("").has_value());
}

TEST(AuthTest, ParsesBearerHeaders) {
  auto keys = ApiKeySet::load({"secret"}, "", "");
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->authenticate("Bearer secret").has_value());
  EXPECT_TRUE(keys->authenticate("bearer secret").has_value());
  EXPECT_TRUE(keys->authenticate("  Bearer   secret  ").has_value());
  EXPECT_FALSE(keys->authenticate("Bearer").has_value());
  EXPECT_FALSE(keys->authenticate("Bearersecret").has_value());
  EXPECT_FALSE(keys->authenticate("Basic secret").has_value());
  EXPECT_FALSE(keys->authenticate("secret").has_value());
  EXPECT_FALSE(keys->authenticate("").has_value());
}

TEST(AuthTest, NoKeysMeansDisabled) {
  ApiKeySet none;
  EXPECT_FALSE(none.enabled());
  EXPECT_FALSE(none.match("anything").has_value());
}

TEST(AuthTest, ParsesKeyFiles) {
  auto keys = ApiKeySet::parse_key_file("# team keys\nsk-a\n\n  sk-b  \r\n#sk-commented\nsk-c");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(*keys, (std::vector<std::string>{"sk-a", "sk-b", "sk-c"}));
  EXPECT_FALSE(ApiKeySet::parse_key_file("# nothing\n\n").ok());
}

TEST(AuthTest, LoadsFileFlagsAndEnvironmentTogether) {
  servir::testing::TempDir dir;
  servir::testing::write_file(dir / "keys.txt", "file-key-1\nfile-key-2\n");
  auto keys = ApiKeySet::load({"flag-key", "flag-key"}, (dir / "keys.txt").string(), " env-key\n");
  ASSERT_TRUE(keys.ok()) << keys.status().to_string();
  EXPECT_EQ(keys->size(), 4u);  // the repeated flag counts once
  for (const char* k : {"flag-key", "file-key-1", "file-key-2", "env-key"}) EXPECT_TRUE(keys->match(k)) << k;
}

TEST(AuthTest, RefusesBadKeysWithoutEchoingThem) {
  auto bad = ApiKeySet::load({"has space"}, "", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message().find("has space"), std::string::npos);
  auto missing = ApiKeySet::load({}, "/nonexistent/servir-keys", "");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kIoError);
}

}  // namespace
}  // namespace servir::server
