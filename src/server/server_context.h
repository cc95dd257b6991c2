// The state every route handler shares: options, keys, limits, metrics, the
// access log, the in-flight registry, and (once loaded) the model and the
// generation backend. Built by run_server() (or a test), outlives the
// HttpServer that calls the handlers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "server/access_log.h"
#include "server/admission.h"
#include "server/auth.h"
#include "server/generation_backend.h"
#include "server/moderation_call.h"
#include "server/rate_limiter.h"
#include "server/request_guard.h"
#include "server/served_model.h"
#include "server/server_metrics.h"
#include "server/server_options.h"

namespace servir::server {

struct ServerContext {
  ServerContext(ServerOptions opts, ApiKeySet api_keys, std::unique_ptr<AccessLog> log, std::string model_name)
      : options(std::move(opts)),
        keys(std::move(api_keys)),
        rate_limiter(options.rate_limits),
        metrics(std::move(model_name)),
        access_log(std::move(log)) {}

  // Loading -> ready: the model and backend requests go to. Both must stay
  // alive until the HttpServer has stopped.
  void set_ready(GenerationBackend* generation_backend, const ServedModel* served_model) {
    backend.store(generation_backend);
    model.store(served_model);
    state.store(ServingState::kReady);
  }

  const ServerOptions options;
  const ApiKeySet keys;
  RateLimiter rate_limiter;
  ServerMetrics metrics;
  std::unique_ptr<AccessLog> access_log;
  InFlightRequests in_flight;
  std::atomic<ServingState> state{ServingState::kLoading};
  std::atomic<GenerationBackend*> backend{nullptr};
  std::atomic<const ServedModel*> model{nullptr};
  std::atomic<std::uint64_t> request_counter{0};
  // Guardrails (request_guard.h); null only in tests that build a context
  // without one (then requests are not scanned).
  std::unique_ptr<ServerGuard> guard;
  // The moderation model (--guard-model); set before the server turns ready.
  ModerationModel moderation;
};

// What the router learned about one request before its handler runs.
struct RequestInfo {
  std::string request_id;  // X-Request-Id: the client's when sane, else generated
  std::string engine_id;   // unique among live requests (the engine's id)
  std::string key_id;      // "" without keys
  std::string client;
  std::string method;
  std::string path;
  std::chrono::steady_clock::time_point start;
};

}  // namespace servir::server
