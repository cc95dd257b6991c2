// Wall-clock timestamps for log lines.
#pragma once

#include <string>

namespace servir {

// Now as ISO 8601 UTC with milliseconds: "2024-05-01T12:00:00.123Z" (what
// ECS @timestamp and the access log's "ts" carry).
std::string utc_timestamp_ms();

}  // namespace servir
