// Writes a file through a temporary sibling renamed into place, so a reader
// never sees a half-written file (a model being written while a server
// starts, a crash mid-write).
#pragma once

#include <functional>
#include <span>
#include <string>

#include "util/status.h"

namespace servir {

using ByteSink = std::function<void(std::span<const std::byte>)>;

// `produce` writes the whole content through the sink it is given.
Status write_file_atomically(const std::string& path, const std::function<void(const ByteSink&)>& produce);

}  // namespace servir
