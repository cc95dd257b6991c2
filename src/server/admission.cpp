#include "server/admission.h"

#include <algorithm>
#include <vector>

namespace servir::server {

const char* serving_state_name(ServingState state) {
  switch (state) {
    case ServingState::kLoading:
      return "loading";
    case ServingState::kReady:
      return "ready";
    case ServingState::kDraining:
      return "draining";
  }
  return "unknown";
}

std::uint64_t InFlightRequests::add(std::function<void()> abort) {
  std::lock_guard lock(mu_);
  const std::uint64_t token = next_++;
  requests_.emplace(token, std::move(abort));
  return token;
}

void InFlightRequests::remove(std::uint64_t token) {
  std::lock_guard lock(mu_);
  requests_.erase(token);
}

int InFlightRequests::count() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(requests_.size());
}

void InFlightRequests::abort_all() {
  std::vector<std::function<void()>> aborts;
  {
    std::lock_guard lock(mu_);
    for (const auto& [token, abort] : requests_) aborts.push_back(abort);
  }
  for (auto& abort : aborts) abort();
}

int queue_full_retry_after_seconds(const EngineStats& stats) {
  // Each running sequence frees a slot as it finishes; with no better
  // estimate, assume the waiting requests need about one second per
  // batch-full of them.
  const int batch = std::max(1, stats.running);
  return std::clamp(1 + stats.waiting / batch, 1, 30);
}

}  // namespace servir::server
