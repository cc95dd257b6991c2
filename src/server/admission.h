// Whether the server takes requests, and which requests are in flight.
//
// ServingState: loading (the port is open, the model is not) -> ready ->
// draining (SIGTERM/SIGINT: /ready answers 503, new generation requests
// 503, in-flight ones finish). Requests that got past admission register in
// InFlightRequests until their response ended, so the drain can wait for
// them and, past --shutdown-timeout, abort the rest. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "engine/engine_stats.h"

namespace servir::server {

enum class ServingState { kLoading, kReady, kDraining };
const char* serving_state_name(ServingState state);  // "loading", "ready", "draining"

class InFlightRequests {
 public:
  // `abort` ends the request early (called by abort_all(), outside the lock).
  std::uint64_t add(std::function<void()> abort);
  void remove(std::uint64_t token);
  int count() const;
  void abort_all();

 private:
  mutable std::mutex mu_;
  std::uint64_t next_ = 0;
  std::unordered_map<std::uint64_t, std::function<void()>> requests_;
};

// Retry-After (seconds) for a request refused because the engine's queue is
// full: roughly how long the queue ahead takes to start, 1..30.
int queue_full_retry_after_seconds(const EngineStats& stats);

}  // namespace servir::server
