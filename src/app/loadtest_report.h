// The report of `servir loadtest`: one JSON object aggregated from the
// request records (the --json output), and the human table rendered from it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "app/loadtest_client.h"

namespace servir::app {

// Throughput counts only successful requests; latencies are in ms:
//   ttft_ms  request sent -> first content chunk
//   itl_ms   gaps between successive content chunks (all requests pooled)
//   tpot_ms  per request (e2e - ttft) / (tokens - 1)
//   e2e_ms   request sent -> end of the stream
// Each as {count, mean, p50, p90, p99, min, max}; null where no data.
nlohmann::json loadtest_report(const LoadtestConfig& config, const LoadtestResult& result);

std::string loadtest_table(const nlohmann::json& report);

}  // namespace servir::app
