// `servir serve`: the HTTP server arrives with the server layer (issue 6/6).
// Until then the command says so and fails, so nobody mistakes it for a
// running server.
#include "app/commands.h"

namespace servir::app {

void register_serve_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Start the OpenAI-compatible HTTP server (not built yet)");
  static std::string model;
  cmd->add_option("--model", model, "GGUF file or Hugging Face folder");
  cmd->callback([] {
    fail(
        "the HTTP server is not built yet: it arrives with the server layer. For now use `servir inspect` and "
        "`servir testmodel`.",
        2);
  });
}

}  // namespace servir::app
