#include "server/run_server.h"

#include <pthread.h>
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <thread>

#include <spdlog/spdlog.h>

#include "server/router.h"
#include "server/server_context.h"

namespace servir::server {
namespace {

using SteadyClock = std::chrono::steady_clock;

// SIGINT/SIGTERM (shut down) and SIGHUP (reload the guard policy, reopen
// the logs) are blocked in every thread (threads started later inherit the
// mask) and taken synchronously by the main thread with sigtimedwait, so no
// handler runs in an arbitrary thread.
sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  return set;
}

void reload(ServerContext& ctx) {
  ctx.access_log->reopen();
  if (ctx.guard == nullptr) return;
  if (Status st = ctx.guard->reload(); !st.ok()) {
    spdlog::error("SIGHUP: the guard policy was not reloaded, the previous one stays: {}", st.message());
  } else {
    spdlog::warn("SIGHUP: guard policy reloaded, logs reopened");
  }
}

// A pending signal within `timeout`: its number, or 0.
int wait_signal(std::chrono::milliseconds timeout) {
  const sigset_t set = shutdown_signals();
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>((timeout.count() % 1000) * 1'000'000);
  const int sig = sigtimedwait(&set, nullptr, &ts);
  return sig > 0 ? sig : 0;
}

// A thousand open streams need a thousand descriptors; the default soft
// limit is often 1024.
void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

template <typename Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds timeout, bool stop_on_signal) {
  const auto deadline = SteadyClock::now() + timeout;
  while (!done()) {
    if (SteadyClock::now() >= deadline) return false;
    if (stop_on_signal) {
      const int sig = wait_signal(std::chrono::milliseconds(20));
      if (sig == SIGINT || sig == SIGTERM) return false;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return true;
}

void drain(ServerContext& ctx, HttpServer& http, GenerationBackend& backend) {
  ctx.state.store(ServingState::kDraining);
  http.stop_accepting();
  backend.close_admission();
  const int in_flight = ctx.in_flight.count();
  spdlog::warn("shutting down: {} request(s) in flight, waiting up to {} ms", in_flight,
               ctx.options.shutdown_timeout.count());
  const bool finished =
      wait_until([&] { return ctx.in_flight.count() == 0; }, ctx.options.shutdown_timeout, /*stop_on_signal=*/true);
  if (!finished) {
    spdlog::warn("shutting down: aborting {} request(s) still in flight", ctx.in_flight.count());
    ctx.in_flight.abort_all();
    wait_until([&] { return ctx.in_flight.count() == 0; }, std::chrono::seconds(5), false);
  }
  // Let the last bytes of every response reach their clients.
  wait_until([&] { return http.active_exchanges() == 0; }, std::chrono::seconds(2), false);
}

}  // namespace

Status run_server(const ServerOptions& options, const std::string& metrics_model_name, const ModelLoader& load) {
  const sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  raise_file_limit();

  auto keys = ApiKeySet::load(options.api_keys, options.api_key_file, options.env_api_key);
  if (!keys.ok()) return keys.status();
  auto access_log = AccessLog::open(options.access_log_path, options.log_prompts);
  if (!access_log.ok()) return access_log.status();
  if (keys->enabled()) spdlog::info("auth: {} API key(s)", keys->size());

  ServerContext ctx(options, std::move(*keys), std::move(*access_log), metrics_model_name);
  if (!options.guard_disabled) {
    auto config = std::make_shared<guard::GuardConfig>(guard::GuardConfig::flag_only());
    if (!options.guard_config_path.empty()) {
      auto loaded = guard::GuardConfig::load(options.guard_config_path);
      if (!loaded.ok()) return loaded.status();
      *config = std::move(loaded).value();
    }
    std::unique_ptr<guard::AuditLog> audit;
    if (!options.audit_log_path.empty()) {
      auto opened = guard::AuditLog::open(options.audit_log_path);
      if (!opened.ok()) return opened.status();
      audit = std::move(opened).value();
    }
    ctx.guard = std::make_unique<ServerGuard>(std::move(config), options.guard_config_path, std::move(audit));
    spdlog::info("guard: policy {}, audit log {}",
                 options.guard_config_path.empty() ? "flag-only (default)" : options.guard_config_path,
                 options.audit_log_path.empty() ? "off" : options.audit_log_path);
  }
  HttpServerOptions http_options = options.http;
  http_options.on_refusal = [&ctx](std::string_view reason) { ctx.metrics.count_rejection(reason); };
  auto http = HttpServer::start(http_options, make_router(ctx));
  if (!http.ok()) return http.status();
  spdlog::info("http: port {} open, loading the model", (*http)->port());

  auto loaded = load();
  if (!loaded.ok()) {
    (*http)->stop();
    return loaded.status();
  }
  if (loaded->model.created_unix_s == 0) loaded->model.created_unix_s = static_cast<std::int64_t>(std::time(nullptr));
  if (ctx.guard != nullptr && ctx.guard->current()->config().uses_moderation() && !loaded->moderation_backend) {
    (*http)->stop();
    return Status(ErrorCode::kInvalidArgument,
                  "--guard-config uses the moderation scanner, which needs a --guard-model");
  }
  ctx.moderation = ModerationModel{.backend = loaded->moderation_backend.get(),
                                   .tokenizer = loaded->moderation_tokenizer,
                                   .timeout = options.guard_model_timeout};
  if (ctx.guard != nullptr) ctx.guard->set_moderation_available(loaded->moderation_backend != nullptr);
  ctx.set_ready(loaded->backend.get(), &loaded->model);

  const std::string& host = options.http.host;
  const bool v6 = host.find(':') != std::string::npos;
  std::printf("servir: listening on %s://%s%s%s:%d\n", (*http)->tls() ? "https" : "http", v6 ? "[" : "", host.c_str(),
              v6 ? "]" : "", (*http)->port());
  std::fflush(stdout);

  int sig = 0;
  while (sig == 0 || sig == SIGHUP) {
    if (sig == SIGHUP) reload(ctx);
    sig = wait_signal(std::chrono::milliseconds(1000));
  }
  spdlog::warn("received {}, draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");

  drain(ctx, **http, *loaded->backend);
  loaded->backend->stop();
  if (loaded->moderation_backend) loaded->moderation_backend->stop();
  (*http)->stop();
  spdlog::warn("shut down cleanly");
  return {};
}

}  // namespace servir::server
