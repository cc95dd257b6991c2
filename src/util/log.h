// Logging: spdlog, configured once at start-up by the app layer. Libraries
// log through the default logger; they never configure it.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

namespace servir {

// level: trace, debug, info, warn, error, off. Logs go to stderr so that
// stdout stays clean for command output (JSON, token ids, rendered text).
void init_logging(std::string_view level);

}  // namespace servir
