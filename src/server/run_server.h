// `servir serve`'s life cycle, from an open port to a clean exit:
//
//   1. keys, access log, metrics; the HTTP server listens (/health and
//      /ready answer 503 "loading" meanwhile);
//   2. the loader builds the model and the engine; the server turns ready
//      and prints "servir: listening on http://HOST:PORT" on stdout (tests
//      and scripts wait for that line; with --port 0 it names the real port);
//   3. on SIGTERM or SIGINT: /ready answers 503, the listening socket
//      closes, the engine stops admitting; in-flight requests get up to
//      --shutdown-timeout to finish, then the rest are aborted (streams end
//      with an error event); the engine stops; run_server returns OK. A
//      second signal skips the wait.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "server/generation_backend.h"
#include "server/served_model.h"
#include "server/server_options.h"
#include "util/status.h"

namespace servir::server {

struct LoadedModel {
  std::shared_ptr<void> owner;                 // keeps the weights, KV cache, tokenizer and template alive
  std::unique_ptr<GenerationBackend> backend;  // destroyed (engine stopped) before `owner`
  ServedModel model;
  // --guard-model: the moderation classifier, when one is loaded (stopped
  // before `owner` goes, like `backend`).
  std::unique_ptr<GenerationBackend> moderation_backend;
  const Tokenizer* moderation_tokenizer = nullptr;
};

using ModelLoader = std::function<Result<LoadedModel>()>;

// Serves until SIGTERM/SIGINT. `metrics_model_name` labels the metrics.
// Errors: bad options (keys, TLS files, address), a port in use, or the
// loader's error.
Status run_server(const ServerOptions& options, const std::string& metrics_model_name, const ModelLoader& load);

}  // namespace servir::server
