// servir: one binary, many subcommands (inspect, testmodel, serve, ...).
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "app/cmd_tokenize.h"
#include "app/commands.h"
#include "app/yaml_config.h"
#include "util/log.h"

namespace servir::app {

void fail(const std::string& message, int exit_code) {
  std::fprintf(stderr, "servir: %s\n", message.c_str());
  throw CLI::RuntimeError(exit_code);
}

int exit_status_for(const Status& status) { return status.code() == ErrorCode::kIntegrity ? 3 : 1; }

void fail(const Status& status) { fail(status.to_string(), exit_status_for(status)); }

}  // namespace servir::app

int main(int argc, char** argv) {
  CLI::App app{"servir: an LLM inference server with an OpenAI-compatible API", "servir"};
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")
      ->envname("SERVIR_LOG_LEVEL")
      ->capture_default_str();
  app.set_version_flag("--version", "servir 0.1.0");
  servir::app::add_config_option(app);
  app.parse_complete_callback([&] { servir::init_logging(log_level); });

  servir::app::register_inspect_command(app);
  servir::app::register_testmodel_command(app);
  servir::app::register_quantize_command(app);
  servir::app::register_tokenize_commands(app);
  servir::app::register_template_command(app);
  servir::app::register_run_command(app);
  servir::app::register_bench_command(app);
  servir::app::register_perplexity_command(app);
  servir::app::register_serve_command(app);
  servir::app::register_loadtest_command(app);
  servir::app::register_guard_command(app);
  servir::app::register_health_command(app);
  servir::app::register_pull_command(app);

  int rc = 0;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    rc = app.exit(e);
  }
  // Write what the asynchronous logger still holds; when stderr is a pipe
  // nobody reads, leave without the static destructors that would wait on
  // its blocked writer thread.
  if (!servir::shutdown_logging(std::chrono::seconds(2))) {
    std::fflush(stdout);
    std::_Exit(rc);
  }
  return rc;
}
