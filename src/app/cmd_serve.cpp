// `servir serve --model PATH [--served-model-name NAME] [--host 127.0.0.1]
//               [--port 8000] [flags]`
//
// Parses flags and builds the model and the engine; everything HTTP (routes,
// limits, auth, shutdown) lives in the server layer (server/run_server.h).
// Prints "servir: listening on http://HOST:PORT" on stdout once ready.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/engine_setup.h"
#include "app/hub_model.h"
#include "app/model_template.h"
#include "app/yaml_config.h"
#include "formats/ggml_type.h"
#include "formats/integrity.h"
#include "hub/hub_cache.h"
#include "hub/model_source.h"
#include "server/auth.h"
#include "server/generation_backend.h"
#include "server/run_server.h"
#include "tokenizer/chat_template/chat_template.h"

namespace servir::app {
namespace {

struct ServeFlags {
  RuntimeOptions runtime;
  EngineFlags engine;
  server::ServerOptions server;
  std::vector<std::string> served_model_names;
  std::string chat_template_name;
  int max_n = 16;
  int max_tokens_cap = 0;
  double request_timeout_s = 0;
  double shutdown_timeout_s = 30;
  double health_stale_s = 5;
  double idle_timeout_s = 60;
  std::string guard_model;  // --guard-model: the moderation classifier
  double guard_model_timeout_s = 10;
};

std::chrono::milliseconds seconds_flag(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000)));
}

// What the loaded model needs to stay alive: the runtime (weights, KV
// cache, tokenizer) and the parsed chat template.
struct ServingRuntime {
  std::unique_ptr<Runtime> runtime;
  std::optional<ChatTemplate> chat_template;
  std::unique_ptr<Runtime> guard_runtime;  // --guard-model
};

// The moderation model: a second runtime and engine of its own, small. Its
// prompts are a few hundred tokens and its answers a few, so a short
// context and a small KV pool do; it shares the CPU with the main model.
Result<std::unique_ptr<Engine>> load_guard_model(const ServeFlags& f, ServingRuntime& owner) {
  RuntimeOptions options;
  options.model_path = f.guard_model;
  options.threads = f.runtime.threads;
  options.context = 4096;
  options.verify = f.runtime.verify;  // against a manifest beside it; --sha256 names the main model
  EngineFlags engine;
  engine.engine.max_num_seqs = 8;
  engine.kv_cache_memory = "256MiB";
  if (Status st = prepare_engine_runtime(engine, options); !st.ok()) return st;
  auto rt = load_runtime(options);
  if (!rt.ok()) return rt.status().with_prefix("--guard-model");
  if (!(*rt)->tokenizer) return Status(ErrorCode::kNotFound, "--guard-model: the model has no tokenizer");
  owner.guard_runtime = std::move(*rt);
  auto started = start_engine(*owner.guard_runtime, options, engine);
  if (!started.ok()) return started.status().with_prefix("--guard-model");
  return started;
}

std::vector<std::string> model_names(const ServeFlags& f) {
  if (!f.served_model_names.empty()) return f.served_model_names;
  // vLLM answers to the path it was started with; the file or folder name
  // is what people type.
  std::vector<std::string> names{f.runtime.model_path};
  const auto stem = std::filesystem::path(f.runtime.model_path).filename().replace_extension().string();
  if (!stem.empty() && stem != f.runtime.model_path) names.push_back(stem);
  return names;
}

Result<server::LoadedModel> load_model(ServeFlags f) {
  if (Status st = prepare_engine_runtime(f.engine, f.runtime); !st.ok()) return st;
  auto rt = load_runtime(f.runtime);
  if (!rt.ok()) return rt.status();
  if (!(*rt)->tokenizer) return Status(ErrorCode::kNotFound, "the model has no tokenizer: the server needs one");
  auto owner = std::make_shared<ServingRuntime>();
  owner->runtime = std::move(*rt);
  Runtime& runtime = *owner->runtime;

  auto source = template_of_model(f.runtime.model_path, f.chat_template_name);
  if (source.ok() && !source->empty()) {
    auto parsed = ChatTemplate::parse(*source);
    if (!parsed.ok()) return parsed.status().with_prefix("chat template");
    owner->chat_template.emplace(std::move(parsed).value());
  } else {
    fmt::print(stderr, "servir: the model has no chat template; /v1/chat/completions will answer 400\n");
  }

  auto engine = start_engine(runtime, f.runtime, f.engine);
  if (!engine.ok()) return engine.status();
  const std::int64_t max_model_len = (*engine)->max_model_len();

  server::LoadedModel loaded;
  loaded.backend = server::make_engine_backend(std::move(*engine));
  loaded.model.names = model_names(f);
  loaded.model.tokenizer = &*runtime.tokenizer;
  loaded.model.chat_template = owner->chat_template ? &*owner->chat_template : nullptr;
  loaded.model.limits.max_model_len = max_model_len;
  loaded.model.limits.max_n = f.max_n;
  loaded.model.limits.max_tokens_cap = f.max_tokens_cap;
  if (!f.guard_model.empty()) {
    auto guard_engine = load_guard_model(f, *owner);
    if (!guard_engine.ok()) return guard_engine.status();
    loaded.moderation_backend = server::make_engine_backend(std::move(*guard_engine));
    loaded.moderation_tokenizer = &*owner->guard_runtime->tokenizer;
  }
  loaded.owner = std::move(owner);
  return loaded;
}

void add_server_options(CLI::App& cmd, ServeFlags& f) {
  auto& s = f.server;
  auto& h = s.http;
  cmd.add_option("--served-model-name", f.served_model_names,
                 "Model name(s) clients use (default: the --model path and its file name)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd.add_option("--chat-template-name", f.chat_template_name, "Which of the model's named chat templates to use");
  cmd.add_option("--host", h.host, "Address to listen on")->capture_default_str();
  cmd.add_option("--port", h.port, "Port (0: any free port)")->capture_default_str();
  cmd.add_option("--io-threads", h.io_threads, "HTTP I/O threads")->capture_default_str();
  cmd.add_option("--max-body-bytes", h.max_body_bytes, "Largest request body (413 beyond)")->capture_default_str();
  cmd.add_option("--max-header-bytes", h.max_header_bytes, "Largest request head (431 beyond)")->capture_default_str();
  cmd.add_option("--idle-timeout", f.idle_timeout_s, "Seconds a connection may wait for a request")
      ->capture_default_str();
  cmd.add_option("--max-connections", h.max_connections, "Open connections at most (503 beyond)")
      ->capture_default_str();
  cmd.add_option("--allowed-origins", h.cors_origins,
                 "Browser origins allowed by CORS (repeatable; '*' any, the default; 'none' no CORS headers)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->capture_default_str();
  cmd.add_option("--tls-cert", h.tls_cert_path, "PEM certificate chain: serve HTTPS (with --tls-key)");
  cmd.add_option("--tls-key", h.tls_key_path, "PEM private key for --tls-cert");
  cmd.add_option("--api-key", s.api_keys, "Accepted API key (repeatable; also SERVIR_API_KEY)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd.add_option("--api-key-file", s.api_key_file, "File of API keys, one per line ('#' comments)");
  cmd.add_flag("--metrics-auth", s.metrics_auth, "Require an API key on /metrics too");
  cmd.add_option("--rate-limit-rpm", s.rate_limits.requests_per_minute, "Requests per minute per key (0: off)")
      ->capture_default_str();
  cmd.add_option("--rate-limit-tpm", s.rate_limits.tokens_per_minute,
                 "Tokens (prompt + max_tokens) per minute per key (0: off)")
      ->capture_default_str();
  cmd.add_option("--request-timeout", f.request_timeout_s, "Seconds a request may queue and run (0: no limit)")
      ->capture_default_str();
  cmd.add_option("--shutdown-timeout", f.shutdown_timeout_s,
                 "Seconds in-flight requests get to finish after SIGTERM/SIGINT")
      ->capture_default_str();
  cmd.add_option("--health-stale", f.health_stale_s, "Seconds without an engine heartbeat before /health says 503")
      ->capture_default_str();
  cmd.add_option("--access-log", s.access_log_path, "Write the JSON access log here (default: stderr)");
  cmd.add_flag("--log-prompts", s.log_prompts, "Put prompt text in the access log");
  cmd.add_option("--guard-config", s.guard_config_path,
                 "Guardrail policies (YAML; reloaded on SIGHUP). Default: flag-only (nothing is changed or refused)");
  cmd.add_option("--audit-log", s.audit_log_path,
                 "Write one JSON line (ECS fields) per guard decision here; reopened on SIGHUP");
  cmd.add_flag("--no-guard", s.guard_disabled, "Do not scan requests or answers at all");
  cmd.add_option("--guard-model", f.guard_model,
                 "A Llama-Guard-style moderation model (GGUF or HF folder) for the policy's moderation scanner");
  cmd.add_option("--guard-model-timeout", f.guard_model_timeout_s,
                 "Seconds a request waits for the moderation verdict (late: SCAN_INCOMPLETE)")
      ->capture_default_str();
  cmd.add_flag("--enable-test-hooks", s.enable_test_hooks, "Enable POST /debug/stall?ms=N (tests only)");
  cmd.add_option("--max-n", f.max_n, "Largest n (choices per prompt)")->capture_default_str();
  cmd.add_option("--max-tokens-cap", f.max_tokens_cap, "Largest max_tokens accepted (0: the context)")
      ->capture_default_str();
}

// `serve --check-config`: everything start-up would refuse before loading
// the model (names, values, the API key file's contents) is an error, exit 1;
// files that are not on this machine (the model, TLS files, a key file that
// a Kubernetes Secret mounts only in the pod) are warnings, so a config can
// be checked in CI or an init container alike. Nothing is loaded or bound.
void check_serve_config(ServeFlags f, const server::ServerOptions& options) {
  int warnings = 0;
  auto warn = [&](const std::string& what) {
    fmt::print(stderr, "servir: warning: {}\n", what);
    ++warnings;
  };
  auto missing = [](const std::string& path) { return !path.empty() && !std::filesystem::exists(path); };
  if (Status st = prepare_engine_runtime(f.engine, f.runtime); !st.ok()) fail(st.to_string());
  const auto& r = f.runtime;
  if (!r.dtype.empty() && r.dtype != "auto") {
    const auto type = ggml_type_from_name(r.dtype);
    if (!type || !ggml_type_info(*type).quantized) fail(fmt::format("--dtype {} is not a quantized type", r.dtype));
  }
  if (auto kv_type = parse_kv_cache_dtype(r.kv_cache_dtype); !kv_type) fail(kv_type.status().to_string());
  if (r.threads < 0 || r.context < 0 || r.kv_block_size < 1 || r.max_batch_tokens < 1 ||
      f.engine.engine.max_num_seqs < 1 || f.max_n < 1 || f.max_tokens_cap < 0) {
    fail(
        "--threads, --ctx and --max-tokens-cap must be >= 0; --kv-block-size, --max-num-batched-tokens, "
        "--max-num-seqs and --max-n >= 1");
  }
  if (!r.sha256.empty()) {
    if (auto hex = normalize_sha256_hex(r.sha256); !hex.ok()) fail(hex.status().with_prefix("--sha256"));
  }
  if (!r.manifest.empty() && missing(r.manifest)) warn(fmt::format("--manifest {} is not on this machine", r.manifest));
  const auto& h = options.http;
  if (h.tls_cert_path.empty() != h.tls_key_path.empty()) fail("--tls-cert and --tls-key go together");
  if (hub::is_hub_ref(r.model_path)) {
    auto ref = hub::parse_hub_ref(r.model_path);
    if (!ref) fail(ref.status().message());
    if (!hub::find_cached_model(hub::default_hub_cache_dir(), *ref)) {
      warn(fmt::format("--model {} is not in the Hub cache yet: it will be pulled at start", r.model_path));
    }
  } else if (missing(r.model_path))
    warn(fmt::format("--model {} is not on this machine", r.model_path));
  for (const std::string* p : {&h.tls_cert_path, &h.tls_key_path}) {
    if (missing(*p)) warn(fmt::format("TLS file {} is not on this machine", *p));
  }
  if (missing(options.api_key_file)) {
    warn(fmt::format("--api-key-file {} is not on this machine", options.api_key_file));
    auto keys = server::ApiKeySet::load(options.api_keys, "", options.env_api_key);
    if (!keys.ok()) fail(keys.status().to_string());
  } else {
    auto keys = server::ApiKeySet::load(options.api_keys, options.api_key_file, options.env_api_key);
    if (!keys.ok()) fail(keys.status().to_string());
  }
  fmt::print("servir: config OK ({} warning{}): model {}, listening on {}:{}\n", warnings, warnings == 1 ? "" : "s",
             r.model_path, h.host, h.port);
}

}  // namespace

void register_serve_command(CLI::App& app) {
  static ServeFlags f;
  auto* cmd = app.add_subcommand("serve", "Start the OpenAI-compatible HTTP server");
  add_runtime_options(*cmd, f.runtime);
  add_engine_options(*cmd, f.engine);
  add_server_options(*cmd, f);
  // SERVIR_API_KEY adds a key to the --api-key ones (auth.h) instead of
  // replacing them, so --api-key gets no variable of its own.
  static bool check_config = false;
  cmd->add_flag("--check-config", check_config, "Validate the flags, config file and SERVIR_* variables; load nothing");
  add_env_names(*cmd, {"api-key", "check-config"});
  cmd->callback([] {
    server::ServerOptions options = f.server;
    options.http.idle_timeout = seconds_flag(f.idle_timeout_s);
    options.request_timeout = seconds_flag(f.request_timeout_s);
    options.shutdown_timeout = seconds_flag(f.shutdown_timeout_s);
    options.health_stale = seconds_flag(f.health_stale_s);
    options.guard_model_timeout = seconds_flag(f.guard_model_timeout_s);
    if (const char* env = std::getenv("SERVIR_API_KEY")) options.env_api_key = env;
    if (options.http.port < 0 || options.http.port > 65535) fail("--port must be in 0..65535");
    if (f.request_timeout_s < 0 || f.shutdown_timeout_s < 0 || f.health_stale_s <= 0 || f.idle_timeout_s <= 0) {
      fail("timeouts must be positive (--request-timeout and --shutdown-timeout may be 0)");
    }
    if (check_config) return check_serve_config(f, options);
    // A Hub reference is pulled (or found in the cache) before the server
    // listens; clients know the model by the reference and its short name.
    if (hub::is_hub_ref(f.runtime.model_path)) {
      if (f.served_model_names.empty()) f.served_model_names = hub_model_names(f.runtime.model_path);
      f.runtime.model_path = resolve_model_argument(f.runtime.model_path);
    }
    f.guard_model = f.guard_model.empty() ? f.guard_model : resolve_model_argument(f.guard_model);
    const std::string metrics_name = model_names(f).back();
    Status st = server::run_server(options, metrics_name, [] { return load_model(f); });
    if (!st.ok()) fail(st);
  });
}

}  // namespace servir::app
