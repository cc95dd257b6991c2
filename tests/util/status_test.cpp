#include "util/status.h"

#include <gtest/gtest.h>

namespace servir {
namespace {

TEST(Status, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(Status, PrefixAddsContext) {
  Status s = make_error(ErrorCode::kCorruptData, "bad magic at offset {}", 0);
  EXPECT_EQ(s.with_prefix("model.gguf").message(), "model.gguf: bad magic at offset 0");
  EXPECT_EQ(s.with_prefix("x").code(), ErrorCode::kCorruptData);
}

TEST(Result, HoldsValueOrError) {
  Result<int> good = 3;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 3);
  Result<int> bad = make_error(ErrorCode::kNotFound, "nothing");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(bad.status().message(), "nothing");
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> bad = make_error(ErrorCode::kNotFound, "nothing");
  EXPECT_DEATH((void)bad.value(), "Result::value\\(\\) on error");
}

}  // namespace
}  // namespace servir
