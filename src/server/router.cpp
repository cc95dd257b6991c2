#include "server/router.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <random>

#include "server/completion_call.h"
#include "server/json_body.h"
#include "server/tokenize_api.h"

namespace servir::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

double ms_since(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

// A client's X-Request-Id is echoed when it is short and plain; otherwise
// (and when absent) the server's own id is used.
bool usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string process_nonce() {
  std::random_device rd;
  return fmt::format("{:08x}", rd());
}

enum class Route {
  kChatCompletions,
  kCompletions,
  kModels,
  kTokenize,
  kDetokenize,
  kHealth,
  kReady,
  kVersion,
  kMetrics,
  kDebugStall,
  kNone,
};

struct RouteSpec {
  std::string_view method;
  std::string_view path;
  Route route;
};

constexpr RouteSpec kRoutes[] = {
    {"POST", "/v1/chat/completions", Route::kChatCompletions},
    {"POST", "/v1/completions", Route::kCompletions},
    {"GET", "/v1/models", Route::kModels},
    {"POST", "/tokenize", Route::kTokenize},
    {"POST", "/detokenize", Route::kDetokenize},
    {"GET", "/health", Route::kHealth},
    {"GET", "/ready", Route::kReady},
    {"GET", "/version", Route::kVersion},
    {"GET", "/metrics", Route::kMetrics},
    {"POST", "/debug/stall", Route::kDebugStall},
};

std::string_view without_trailing_slash(std::string_view path) {
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

// HEAD is served wherever GET is (the transport sends the head only).
bool takes_method(const RouteSpec& spec, std::string_view method) {
  return spec.method == method || (spec.method == "GET" && method == "HEAD");
}

// A hidden route (/debug/stall without --enable-test-hooks) does not exist.
bool route_enabled(Route route, const ServerOptions& options) {
  return route != Route::kDebugStall || options.enable_test_hooks;
}

Route find_route(std::string_view method, std::string_view path) {
  path = without_trailing_slash(path);
  for (const auto& spec : kRoutes) {
    if (spec.path == path && takes_method(spec, method)) {
      return spec.route;
    }
  }
  return Route::kNone;
}

// The Allow header of a path the router knows ("GET, HEAD"), "" for an
// unknown path.
std::string allowed_methods(std::string_view path, const ServerOptions& options) {
  path = without_trailing_slash(path);
  std::string allow;
  for (const auto& spec : kRoutes) {
    if (spec.path != path || !route_enabled(spec.route, options)) continue;
    if (!allow.empty()) allow += ", ";
    allow += spec.method;
    if (spec.method == "GET") allow += ", HEAD";
  }
  return allow;
}

bool needs_key(Route route, const ServerOptions& options) {
  switch (route) {
    case Route::kChatCompletions:
    case Route::kCompletions:
    case Route::kModels:
    case Route::kTokenize:
    case Route::kDetokenize:
    case Route::kDebugStall:
      return true;
    case Route::kMetrics:
      return options.metrics_auth;
    default:
      return false;
  }
}

// The query parameter `name` as an integer, or `fallback`.
long query_int(std::string_view query, std::string_view name, long fallback) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      long value = 0;
      const auto text = pair.substr(eq + 1);
      if (std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc()) return value;
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return fallback;
}

class Router {
 public:
  explicit Router(ServerContext& ctx) : ctx_(ctx), nonce_(process_nonce()) {}

  void handle(HttpRequest&& request, const std::shared_ptr<HttpExchange>& exchange) {
    RequestInfo info;
    info.start = SteadyClock::now();
    info.engine_id = fmt::format("req-{}-{}", nonce_, ctx_.request_counter.fetch_add(1));
    const auto client_id = request.header("x-request-id");
    info.request_id = usable_request_id(client_id) ? std::string(client_id) : info.engine_id;
    info.client = request.remote_ip;
    info.method = request.method;
    info.path = request.path;

    const Route route = find_route(request.method, request.path);
    if (route == Route::kNone) {
      if (const std::string allow = allowed_methods(request.path, ctx_.options); !allow.empty()) {
        const ApiError error =
            api_error(make_error(ErrorCode::kUnsupported, "Method {} is not allowed on {} (allowed: {})",
                                 request.method, request.path, allow),
                      {.code = api_code::kMethodNotAllowed});
        HttpResponse response = error_response(error, info);
        response.headers.emplace_back("Allow", allow);
        finish(exchange, info, std::move(response), error.message);
        return;
      }
      const ApiError error =
          api_error(make_error(ErrorCode::kNotFound, "Invalid URL ({} {})", request.method, request.path),
                    {.code = "unknown_url"});
      finish(exchange, info, error_response(error, info), error.message);
      return;
    }
    if (needs_key(route, ctx_.options) && ctx_.keys.enabled()) {
      auto key_id = ctx_.keys.authenticate(request.header("authorization"));
      if (!key_id) {
        ctx_.metrics.count_auth_failure();
        ctx_.metrics.count_rejection(reject_reason::kUnauthenticated);
        const ApiError error = api_error(Status(ErrorCode::kUnauthenticated,
                                                "Incorrect or missing API key: send it as 'Authorization: Bearer "
                                                "<key>'."));
        HttpResponse response = error_response(error, info);
        response.headers.emplace_back("WWW-Authenticate", "Bearer");
        finish(exchange, info, std::move(response), error.message);
        return;
      }
      info.key_id = std::move(*key_id);
    }

    switch (route) {
      case Route::kChatCompletions:
      case Route::kCompletions: {
        const auto endpoint = route == Route::kChatCompletions ? Endpoint::kChatCompletions : Endpoint::kCompletions;
        handle_completion(ctx_, endpoint, std::move(request), std::move(info), exchange);
        return;
      }
      case Route::kHealth:
        return health(exchange, info);
      case Route::kReady:
        return ready(exchange, info);
      case Route::kVersion:
        return finish(exchange, info, json_response(200, version_response().dump(), info), {}, false);
      case Route::kMetrics:
        return metrics(exchange, info);
      case Route::kDebugStall:
        return stall(request, exchange, info);
      default:
        break;
    }
    // The model routes need the model.
    const ServedModel* model = ctx_.model.load();
    if (model == nullptr) {
      ctx_.metrics.count_rejection(reject_reason::kNotReady);
      const ApiError error = api_error(Status(ErrorCode::kUnavailable, "the model is still loading"));
      finish(exchange, info, error_response(error, info), error.message);
      return;
    }
    if (route == Route::kModels) {
      finish(exchange, info, json_response(200, models_response(*model).dump(), info), {});
      return;
    }
    auto body = parse_json_body(request.body, model->limits.max_json_depth);
    if (!body.ok()) {
      ctx_.metrics.count_rejection(reject_reason::kInvalidRequest);
      finish(exchange, info, error_response(body.error(), info), body.error().message);
      return;
    }
    auto result = route == Route::kTokenize ? tokenize_response(*body, *model) : detokenize_response(*body, *model);
    if (!result.ok()) {
      ctx_.metrics.count_rejection(reject_reason::kInvalidRequest);
      finish(exchange, info, error_response(result.error(), info), result.error().message);
      return;
    }
    finish(exchange, info,
           json_response(200, result->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), info), {});
  }

 private:
  void finish(const std::shared_ptr<HttpExchange>& exchange, const RequestInfo& info, HttpResponse response,
              const std::string& error, bool log = true) {
    const int status = response.status;
    exchange->respond(std::move(response));
    if (!log) return;
    AccessRecord record;
    record.status = status;
    record.error = error;
    log_access(ctx_, info, std::move(record));
  }

  void health(const std::shared_ptr<HttpExchange>& exchange, const RequestInfo& info) {
    GenerationBackend* backend = ctx_.backend.load();
    if (backend == nullptr) {
      finish(exchange, info, json_response(503, R"({"status":"loading"})", info), "loading", false);
      return;
    }
    const auto age = EngineClock::now() - backend->heartbeat();
    const double age_s = std::chrono::duration<double>(age).count();
    if (age > ctx_.options.health_stale) {
      spdlog::warn("health: the engine loop has not turned for {:.1f} s", age_s);
      finish(exchange, info,
             json_response(503, fmt::format(R"({{"status":"engine_stalled","heartbeat_age_s":{:.3f}}})", age_s), info),
             "engine stalled");
      return;
    }
    finish(exchange, info, json_response(200, R"({"status":"ok"})", info), {}, false);
  }

  void ready(const std::shared_ptr<HttpExchange>& exchange, const RequestInfo& info) {
    const ServingState state = ctx_.state.load();
    const int status = state == ServingState::kReady ? 200 : 503;
    HttpResponse response = json_response(status, fmt::format(R"({{"status":"{}"}})", serving_state_name(state)), info);
    if (status == 503) response.headers.emplace_back("Retry-After", "1");
    finish(exchange, info, std::move(response), {}, false);
  }

  void metrics(const std::shared_ptr<HttpExchange>& exchange, const RequestInfo& info) {
    if (GenerationBackend* backend = ctx_.backend.load()) {
      ctx_.metrics.set_heartbeat_age(std::chrono::duration<double>(EngineClock::now() - backend->heartbeat()).count());
      ctx_.metrics.update_from_engine(backend->stats(), backend->drain_finished_samples());
    }
    ctx_.metrics.set_access_log_dropped(ctx_.access_log->dropped_lines());
    if (ctx_.guard != nullptr && ctx_.guard->audit() != nullptr) {
      ctx_.metrics.set_audit_log_dropped(ctx_.guard->audit()->dropped_lines());
    }
    HttpResponse response{.status = 200, .content_type = "text/plain; version=0.0.4; charset=utf-8"};
    response.body = ctx_.metrics.render();
    response.headers.emplace_back("X-Request-Id", info.request_id);
    finish(exchange, info, std::move(response), {}, false);
  }

  void stall(const HttpRequest& request, const std::shared_ptr<HttpExchange>& exchange, const RequestInfo& info) {
    GenerationBackend* backend = ctx_.backend.load();
    if (!ctx_.options.enable_test_hooks || backend == nullptr) {
      const ApiError error =
          api_error(make_error(ErrorCode::kNotFound, "Invalid URL ({} {})", request.method, request.path),
                    {.code = "unknown_url"});
      finish(exchange, info, error_response(error, info), error.message);
      return;
    }
    const long ms = std::clamp(query_int(request.query, "ms", 6000), 0L, 600'000L);
    backend->stall_for_testing(std::chrono::milliseconds(ms));
    finish(exchange, info, json_response(200, fmt::format(R"({{"stalled_ms":{}}})", ms), info), {});
  }

  ServerContext& ctx_;
  const std::string nonce_;  // engine ids stay unique across restarts in one log
};

}  // namespace

HttpResponse json_response(int status, std::string body, const RequestInfo& info) {
  HttpResponse response{.status = status, .body = std::move(body)};
  response.headers.emplace_back("X-Request-Id", info.request_id);
  return response;
}

HttpResponse error_response(const ApiError& error, const RequestInfo& info, int retry_after_s) {
  HttpResponse response = json_response(error.http_status, error.body(), info);
  if (error.http_status == 429 || error.http_status == 503) {
    response.headers.emplace_back("Retry-After", std::to_string(std::max(1, retry_after_s)));
  }
  if (error.http_status == 500) {
    spdlog::error("request {}: {} {} -> {}: {}", info.request_id, info.method, info.path, error.http_status,
                  error.message);
  }
  return response;
}

void log_access(ServerContext& ctx, const RequestInfo& info, AccessRecord record) {
  record.request_id = info.request_id;
  record.key_id = info.key_id;
  record.client = info.client;
  record.method = info.method;
  record.path = info.path;
  record.total_ms = ms_since(info.start);
  ctx.metrics.count_response(record.status);
  ctx.access_log->write(record);
}

RequestHandler make_router(ServerContext& ctx) {
  auto router = std::make_shared<Router>(ctx);
  return [router](HttpRequest&& request, std::shared_ptr<HttpExchange> exchange) {
    router->handle(std::move(request), exchange);
  };
}

}  // namespace servir::server
