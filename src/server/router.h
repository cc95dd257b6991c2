// The routes of `servir serve`, over a ServerContext:
//
//   POST /v1/chat/completions, /v1/completions   key, rate limit   completion_call.h
//   GET  /v1/models                              key
//   POST /tokenize, /detokenize                  key
//   GET  /health   200 while the engine heartbeat is fresh, else 503
//   GET  /ready    200 once loaded and until draining, else 503
//   GET  /version
//   GET  /metrics  Prometheus text (key with --metrics-auth)
//   POST /debug/stall?ms=N                       only with --enable-test-hooks
//
// HEAD is answered wherever GET is (same status and headers, Content-Length
// of the GET body, no body: the transport drops it). A known path asked with
// another method is 405 with Allow; an unknown path is 404.
//
// Every response carries X-Request-Id; every refusal is an api_error()
// body (api_error.h), 401 with WWW-Authenticate, 405 with Allow, 429/503
// with Retry-After.
#pragma once

#include <string>

#include "server/api_error.h"
#include "server/http_exchange.h"
#include "server/server_context.h"

namespace servir::server {

RequestHandler make_router(ServerContext& ctx);

// A JSON response with the request's id header.
HttpResponse json_response(int status, std::string body, const RequestInfo& info);
// api_error()'s status and body, Retry-After on 429/503 (retry_after_s, or 1).
HttpResponse error_response(const ApiError& error, const RequestInfo& info, int retry_after_s = 0);

// Writes the access-log line of a request that ended now.
void log_access(ServerContext& ctx, const RequestInfo& info, AccessRecord record);

}  // namespace servir::server
