#include "server/rate_limiter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace servir::server {

TokenBucket::TokenBucket(double capacity, double refill_per_second, RateClock::time_point now)
    : capacity_(capacity), rate_(refill_per_second), level_(capacity), last_(now) {}

void TokenBucket::refill(RateClock::time_point now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  level_ = std::min(capacity_, level_ + elapsed * rate_);
  last_ = now;
}

bool TokenBucket::try_take(double amount, RateClock::time_point now) {
  refill(now);
  if (amount > level_) return false;
  level_ -= amount;
  return true;
}

void TokenBucket::give_back(double amount, RateClock::time_point now) {
  refill(now);
  level_ = std::min(capacity_, level_ + amount);
}

double TokenBucket::available(RateClock::time_point now) {
  refill(now);
  return level_;
}

double TokenBucket::seconds_until(double amount, RateClock::time_point now) {
  refill(now);
  if (amount <= level_) return 0;
  if (amount > capacity_ || rate_ <= 0) return std::numeric_limits<double>::infinity();
  return (amount - level_) / rate_;
}

std::string format_reset_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds <= 0) return "0s";
  if (seconds < 1) return fmt::format("{}ms", static_cast<long>(std::ceil(seconds * 1000)));
  if (seconds < 60) {
    const double tenths = std::ceil(seconds * 10) / 10;
    return fmt::format("{}s", tenths);
  }
  const auto whole = static_cast<long>(std::ceil(seconds));
  return fmt::format("{}m{}s", whole / 60, whole % 60);
}

HeaderList RateLimitDecision::headers() const {
  HeaderList out;
  if (limit_requests > 0) {
    out.emplace_back("x-ratelimit-limit-requests", std::to_string(limit_requests));
    out.emplace_back("x-ratelimit-remaining-requests", std::to_string(remaining_requests));
    out.emplace_back("x-ratelimit-reset-requests", format_reset_duration(reset_requests_seconds));
  }
  if (limit_tokens > 0) {
    out.emplace_back("x-ratelimit-limit-tokens", std::to_string(limit_tokens));
    out.emplace_back("x-ratelimit-remaining-tokens", std::to_string(remaining_tokens));
    out.emplace_back("x-ratelimit-reset-tokens", format_reset_duration(reset_tokens_seconds));
  }
  return out;
}

std::string RateLimitDecision::retry_after_header() const {
  const double s = std::isfinite(retry_after_seconds) ? retry_after_seconds : 60.0;
  return std::to_string(std::max<long>(1, static_cast<long>(std::ceil(s))));
}

RateLimiter::RateLimiter(RateLimitOptions options, Clock clock) : options_(options), clock_(std::move(clock)) {}

RateLimiter::Buckets& RateLimiter::buckets_for(const std::string& client, RateClock::time_point now) {
  auto it = clients_.find(client);
  if (it != clients_.end()) return it->second;
  if (clients_.size() >= options_.max_clients) forget_idle(now);
  const auto rpm = static_cast<double>(options_.requests_per_minute);
  const auto tpm = static_cast<double>(options_.tokens_per_minute);
  Buckets fresh{TokenBucket(rpm, rpm / 60.0, now), TokenBucket(tpm, tpm / 60.0, now)};
  return clients_.emplace(client, fresh).first->second;
}

void RateLimiter::forget_idle(RateClock::time_point now) {
  for (auto it = clients_.begin(); it != clients_.end();) {
    auto& b = it->second;
    const bool idle =
        b.requests.available(now) >= b.requests.capacity() && b.tokens.available(now) >= b.tokens.capacity();
    it = idle ? clients_.erase(it) : std::next(it);
  }
}

RateLimitDecision RateLimiter::admit(std::string_view client, std::int64_t tokens) {
  RateLimitDecision d;
  if (!enabled()) return d;
  const auto now = clock_();
  std::lock_guard lock(mu_);
  Buckets& b = buckets_for(std::string(client), now);
  const bool limit_requests = options_.requests_per_minute > 0;
  const bool limit_tokens = options_.tokens_per_minute > 0;
  const double token_cost = static_cast<double>(std::max<std::int64_t>(0, tokens));

  const double wait_requests = limit_requests ? b.requests.seconds_until(1, now) : 0;
  const double wait_tokens = limit_tokens ? b.tokens.seconds_until(token_cost, now) : 0;
  d.allowed = wait_requests == 0 && wait_tokens == 0;
  d.tokens_exceed_limit = limit_tokens && token_cost > b.tokens.capacity();
  if (d.allowed) {
    if (limit_requests) b.requests.try_take(1, now);
    if (limit_tokens) b.tokens.try_take(token_cost, now);
  } else {
    d.retry_after_seconds = std::max(wait_requests, wait_tokens);
  }
  if (limit_requests) {
    d.limit_requests = options_.requests_per_minute;
    const double level = b.requests.available(now);
    d.remaining_requests = static_cast<std::int64_t>(std::floor(level));
    d.reset_requests_seconds = (b.requests.capacity() - level) * 60.0 / b.requests.capacity();
  }
  if (limit_tokens) {
    d.limit_tokens = options_.tokens_per_minute;
    const double level = b.tokens.available(now);
    d.remaining_tokens = static_cast<std::int64_t>(std::floor(level));
    d.reset_tokens_seconds = (b.tokens.capacity() - level) * 60.0 / b.tokens.capacity();
  }
  return d;
}

void RateLimiter::refund(std::string_view client, std::int64_t tokens) {
  if (options_.tokens_per_minute <= 0 || tokens <= 0) return;
  const auto now = clock_();
  std::lock_guard lock(mu_);
  auto it = clients_.find(std::string(client));
  if (it != clients_.end()) it->second.tokens.give_back(static_cast<double>(tokens), now);
}

std::size_t RateLimiter::tracked_clients() const {
  std::lock_guard lock(mu_);
  return clients_.size();
}

}  // namespace servir::server
