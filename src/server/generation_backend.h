// What the HTTP layer needs from the engine, as an interface: the real
// Engine behind it in `servir serve` (engine_backend.h), a scripted fake in
// the transport tests. Same contracts as Engine's methods (engine/engine.h):
// submit() refuses synchronously or calls the sink (on another thread)
// until an output with finished = true.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/engine_stats.h"
#include "engine/request.h"
#include "util/status.h"

namespace servir {
class Engine;
}

namespace servir::server {

class GenerationBackend {
 public:
  virtual ~GenerationBackend() = default;
  virtual Status submit(GenerationRequest request, OutputSink sink) = 0;
  virtual void abort(std::string_view request_id) = 0;
  virtual void close_admission() = 0;
  virtual int live_requests() const = 0;
  virtual EngineStats stats() const = 0;
  virtual std::vector<FinishedRequestSample> drain_finished_samples() = 0;
  virtual EngineClock::time_point heartbeat() const = 0;
  // Aborts everything and waits until every sink got its last output.
  virtual void stop() = 0;
  // Test hook: the engine loop stalls this long (its heartbeat goes stale).
  virtual void stall_for_testing(std::chrono::milliseconds duration) = 0;
};

// The Engine as a GenerationBackend; owns it (destroying the backend stops it).
std::unique_ptr<GenerationBackend> make_engine_backend(std::unique_ptr<Engine> engine);

}  // namespace servir::server
