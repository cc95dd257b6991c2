// Per-client rate limits: requests per minute and tokens per minute, each a
// token bucket that holds one minute's allowance and refills continuously.
//
// A client is an API key id (or the client's IP when the server has no
// keys). admit() charges one request and the request's token estimate
// (prompt + max_tokens) to both buckets at once or to neither; refund()
// returns tokens a request did not use. Each answer carries what OpenAI's
// x-ratelimit-* headers report. The clock is injected so tests are exact.
//
// Idle clients (both buckets full again) are forgotten once more than
// max_clients are tracked, so memory stays bounded. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/http_exchange.h"

namespace servir::server {

using RateClock = std::chrono::steady_clock;

class TokenBucket {
 public:
  TokenBucket() = default;
  // Starts full.
  TokenBucket(double capacity, double refill_per_second, RateClock::time_point now);

  bool try_take(double amount, RateClock::time_point now);
  void give_back(double amount, RateClock::time_point now);
  double available(RateClock::time_point now);
  // How long until `amount` is available (0 when it is now; infinite when
  // amount > capacity).
  double seconds_until(double amount, RateClock::time_point now);
  double capacity() const { return capacity_; }

 private:
  void refill(RateClock::time_point now);
  double capacity_ = 0;
  double rate_ = 0;  // per second
  double level_ = 0;
  RateClock::time_point last_{};
};

struct RateLimitOptions {
  std::int64_t requests_per_minute = 0;  // 0: unlimited
  std::int64_t tokens_per_minute = 0;    // 0: unlimited
  std::size_t max_clients = 100'000;
};

struct RateLimitDecision {
  bool allowed = true;
  bool tokens_exceed_limit = false;  // the request alone needs more than a minute's tokens
  double retry_after_seconds = 0;    // when refused
  // For the x-ratelimit-* headers (limit 0: that limit is off).
  std::int64_t limit_requests = 0;
  std::int64_t remaining_requests = 0;
  double reset_requests_seconds = 0;  // until the bucket is full again
  std::int64_t limit_tokens = 0;
  std::int64_t remaining_tokens = 0;
  double reset_tokens_seconds = 0;

  // x-ratelimit-limit-requests, ...-remaining-requests, ...-reset-requests
  // and the -tokens trio, for the limits that are on.
  HeaderList headers() const;
  // Retry-After: whole seconds, at least 1.
  std::string retry_after_header() const;
};

class RateLimiter {
 public:
  using Clock = std::function<RateClock::time_point()>;
  explicit RateLimiter(
      RateLimitOptions options, Clock clock = [] { return RateClock::now(); });

  bool enabled() const { return options_.requests_per_minute > 0 || options_.tokens_per_minute > 0; }
  RateLimitDecision admit(std::string_view client, std::int64_t tokens);
  void refund(std::string_view client, std::int64_t tokens);
  std::size_t tracked_clients() const;

 private:
  struct Buckets {
    TokenBucket requests;
    TokenBucket tokens;
  };
  Buckets& buckets_for(const std::string& client, RateClock::time_point now);
  void forget_idle(RateClock::time_point now);

  RateLimitOptions options_;
  Clock clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Buckets> clients_;
};

// "1.5s", "250ms", "2m3s": the duration format of OpenAI's reset headers.
std::string format_reset_duration(double seconds);

}  // namespace servir::server
