// Subcommands of the `servir` binary. Each register_* adds one subcommand
// to the CLI; a failing command prints its error to stderr and throws
// CLI::RuntimeError(exit_code), which main() turns into the exit status.
#pragma once

#include <CLI/CLI.hpp>

#include "app/runtime.h"

namespace servir::app {

void register_inspect_command(CLI::App& app);
void register_testmodel_command(CLI::App& app);
void register_template_command(CLI::App& app);
void register_run_command(CLI::App& app);
void register_bench_command(CLI::App& app);
void register_perplexity_command(CLI::App& app);
void register_serve_command(CLI::App& app);
void register_loadtest_command(CLI::App& app);
void register_guard_command(CLI::App& app);
void register_health_command(CLI::App& app);
void register_pull_command(CLI::App& app);
void register_quantize_command(CLI::App& app);

// The options every command that runs a model takes (--model, --threads,
// --ctx, --kv-block-size, --max-num-batched-tokens).
void add_runtime_options(CLI::App& cmd, RuntimeOptions& options);

// Prints "servir: <message>" to stderr and throws CLI::RuntimeError(code).
[[noreturn]] void fail(const std::string& message, int exit_code = 1);

// The exit status for a failed command: 3 for an integrity failure (a
// weight file whose SHA-256 does not match), 1 for everything else, so
// scripts and init containers can tell a tampered model from a typo.
int exit_status_for(const Status& status);
[[noreturn]] void fail(const Status& status);

}  // namespace servir::app
