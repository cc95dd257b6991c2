#include "server/rate_limiter.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>

namespace servir::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct FakeClock {
  RateClock::time_point now{};
  RateLimiter::Clock fn() {
    return [this] { return now; };
  }
};

std::string header(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

TEST(TokenBucketTest, StartsFullAndRefillsLinearly) {
  RateClock::time_point t0{};
  TokenBucket bucket(10, 1.0, t0);
  EXPECT_TRUE(bucket.try_take(10, t0));
  EXPECT_FALSE(bucket.try_take(1, t0));
  EXPECT_DOUBLE_EQ(bucket.seconds_until(1, t0), 1.0);
  EXPECT_FALSE(bucket.try_take(1, t0 + milliseconds(999)));
  EXPECT_TRUE(bucket.try_take(1, t0 + seconds(1)));
  EXPECT_DOUBLE_EQ(bucket.available(t0 + seconds(100)), 10.0);  // capped at capacity
  EXPECT_TRUE(std::isinf(bucket.seconds_until(11, t0)));        // never fits
}

TEST(TokenBucketTest, GiveBackIsCapped) {
  RateClock::time_point t0{};
  TokenBucket bucket(5, 1.0, t0);
  ASSERT_TRUE(bucket.try_take(3, t0));
  bucket.give_back(10, t0);
  EXPECT_DOUBLE_EQ(bucket.available(t0), 5.0);
}

TEST(RateLimiterTest, RequestsPerMinute) {
  FakeClock clock;
  RateLimiter limiter({.requests_per_minute = 2}, clock.fn());
  EXPECT_TRUE(limiter.admit("k", 100).allowed);
  const auto second = limiter.admit("k", 100);
  EXPECT_TRUE(second.allowed);
  EXPECT_EQ(second.remaining_requests, 0);
  const auto third = limiter.admit("k", 100);
  EXPECT_FALSE(third.allowed);
  EXPECT_DOUBLE_EQ(third.retry_after_seconds, 30.0);  // one request refills every 30 s
  EXPECT_EQ(third.retry_after_header(), "30");
  EXPECT_EQ(header(third.headers(), "x-ratelimit-limit-requests"), "2");
  EXPECT_EQ(header(third.headers(), "x-ratelimit-remaining-requests"), "0");
  EXPECT_EQ(header(third.headers(), "x-ratelimit-reset-requests"), "1m0s");
  EXPECT_EQ(header(third.headers(), "x-ratelimit-limit-tokens"), "");  // tokens unlimited

  // Other clients have their own buckets.
  EXPECT_TRUE(limiter.admit("other", 1).allowed);

  clock.now += seconds(30);
  EXPECT_TRUE(limiter.admit("k", 100).allowed);
  EXPECT_FALSE(limiter.admit("k", 100).allowed);
}

TEST(RateLimiterTest, TokensPerMinuteChargeBothOrNeither) {
  FakeClock clock;
  RateLimiter limiter({.requests_per_minute = 10, .tokens_per_minute = 600}, clock.fn());
  auto first = limiter.admit("k", 500);
  EXPECT_TRUE(first.allowed);
  EXPECT_EQ(first.remaining_tokens, 100);
  EXPECT_EQ(first.remaining_requests, 9);
  EXPECT_EQ(header(first.headers(), "x-ratelimit-reset-tokens"), "50s");

  auto refused = limiter.admit("k", 200);  // 100 left, 10 tokens/s: 10 s to wait
  EXPECT_FALSE(refused.allowed);
  EXPECT_FALSE(refused.tokens_exceed_limit);
  EXPECT_DOUBLE_EQ(refused.retry_after_seconds, 10.0);
  EXPECT_EQ(refused.remaining_requests, 9);  // the refused request was not charged

  limiter.refund("k", 100);  // the first request used less than it reserved
  EXPECT_TRUE(limiter.admit("k", 200).allowed);

  auto huge = limiter.admit("k", 601);
  EXPECT_FALSE(huge.allowed);
  EXPECT_TRUE(huge.tokens_exceed_limit);
}

TEST(RateLimiterTest, DisabledLetsEverythingThrough) {
  RateLimiter limiter({});
  EXPECT_FALSE(limiter.enabled());
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limiter.admit("k", 1'000'000).allowed);
  EXPECT_TRUE(limiter.admit("k", 1).headers().empty());
}

TEST(RateLimiterTest, ForgetsIdleClientsPastTheCap) {
  FakeClock clock;
  RateLimiter limiter({.requests_per_minute = 60, .max_clients = 4}, clock.fn());
  for (int i = 0; i < 4; ++i) limiter.admit(fmt::format("c{}", i), 0);
  clock.now += seconds(5);  // every bucket is full again
  limiter.admit("new", 0);
  EXPECT_EQ(limiter.tracked_clients(), 1u);
}

TEST(RateLimiterTest, FormatsResetDurations) {
  EXPECT_EQ(format_reset_duration(0), "0s");
  EXPECT_EQ(format_reset_duration(0.25), "250ms");
  EXPECT_EQ(format_reset_duration(1.5), "1.5s");
  EXPECT_EQ(format_reset_duration(125), "2m5s");
}

}  // namespace
}  // namespace servir::server
