// POST /v1/chat/completions and /v1/completions: from an HTTP request to
// engine requests and back.
//
// In order: serving state (503 while loading or draining), JSON and field
// validation (openai_request.h, 400/404), the client's rate limit (429 with
// x-ratelimit-* headers), then Engine::submit() of each prompt (a full queue
// is 429 + Retry-After at once, never a wait). The engine's outputs are
// posted onto the connection's strand and folded by a ResponseAccumulator:
// streamed as SSE events as they come, or answered whole at the end.
//
// A client that disconnects (mid-stream or while its request is queued or
// running) aborts its engine requests, so their KV blocks free within one
// engine step. On shutdown past --shutdown-timeout, streams end with an
// error event and non-streaming requests with 503. The access log line is
// written when the last engine request finished.
#pragma once

#include <memory>

#include "server/http_exchange.h"
#include "server/openai_request.h"
#include "server/server_context.h"

namespace servir::server {

void handle_completion(ServerContext& ctx, Endpoint endpoint, HttpRequest&& request, RequestInfo info,
                       const std::shared_ptr<HttpExchange>& exchange);

}  // namespace servir::server
