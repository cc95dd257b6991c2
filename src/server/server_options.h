// Everything `servir serve` configures in the server layer, with defaults.
// The app layer fills it from flags (same names, see cmd_serve.cpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "server/http_server.h"
#include "server/rate_limiter.h"

namespace servir::server {

struct ServerOptions {
  HttpServerOptions http;  // --host, --port, --io-threads, --max-body-bytes, --tls-cert, ...

  // Auth (auth.h): --api-key (repeatable), --api-key-file, SERVIR_API_KEY.
  std::vector<std::string> api_keys;
  std::string api_key_file;
  std::string env_api_key;
  bool metrics_auth = false;  // --metrics-auth: /metrics needs a key too

  RateLimitOptions rate_limits;  // --rate-limit-rpm, --rate-limit-tpm

  // --request-timeout: a request still queued or running this long is ended
  // (finish_reason "abort"); 0: none.
  std::chrono::milliseconds request_timeout{0};
  // --shutdown-timeout: after SIGTERM/SIGINT, how long in-flight requests may
  // finish before they are aborted.
  std::chrono::milliseconds shutdown_timeout{30'000};
  // --health-stale (seconds): /health answers 503 once the engine loop's heartbeat
  // is older than this.
  std::chrono::milliseconds health_stale{5'000};

  // Guardrails (request_guard.h): --guard-config (YAML policies; none: the
  // flag-only default), --audit-log (JSON lines, one per guard decision;
  // none: no audit log), --no-guard (no scanning at all).
  std::string guard_config_path;
  std::string audit_log_path;
  bool guard_disabled = false;
  // --guard-model-timeout (seconds): how long a request waits for the
  // moderation model's verdict (a late one is SCAN_INCOMPLETE).
  std::chrono::milliseconds guard_model_timeout{10'000};

  std::string access_log_path;     // --access-log: JSON lines here instead of stderr
  bool log_prompts = false;        // --log-prompts: the prompt text goes into the access log
  bool enable_test_hooks = false;  // --enable-test-hooks: POST /debug/stall?ms=N stalls the engine
};

}  // namespace servir::server
