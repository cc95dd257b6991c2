// Logging: spdlog, configured once at start-up by the app layer. Libraries
// log through the default logger; they never configure it.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <string_view>

namespace servir {

// level: trace, debug, info, warn, error, off. Logs go to stderr so that
// stdout stays clean for command output (JSON, token ids, rendered text).
void init_logging(std::string_view level);

// Writes what the asynchronous logger still holds and stops its thread,
// waiting at most `timeout`. False when stderr is blocked (a pipe nobody
// reads): the writer thread is then left behind, and the caller should end
// the process with std::_Exit rather than run static destructors, which
// would wait for that thread forever.
bool shutdown_logging(std::chrono::milliseconds timeout);

}  // namespace servir
