#include "bandwidth_probe.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace servir::kernels::bench {

double measure_read_bandwidth(ThreadPool& pool, std::size_t bytes, int passes) {
  const std::size_t n = bytes / sizeof(std::uint64_t);
  auto* data = static_cast<std::uint64_t*>(std::aligned_alloc(4096, n * sizeof(std::uint64_t)));
  pool.parallel_for(static_cast<std::int64_t>(n), 4096, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) data[i] = static_cast<std::uint64_t>(i);
  });
  std::vector<double> rates;
  volatile std::uint64_t sink = 0;
  for (int pass = 0; pass <= passes; ++pass) {
    const auto t0 = std::chrono::steady_clock::now();
    pool.parallel_for(static_cast<std::int64_t>(n), 4096, [&](std::int64_t b, std::int64_t e) {
      // Eight independent sums so the loop is bound by loads, not adds.
      std::uint64_t s[8] = {};
      for (std::int64_t i = b; i + 8 <= e; i += 8) {
        for (int j = 0; j < 8; ++j) s[j] += data[i + j];
      }
      std::uint64_t total = 0;
      for (auto v : s) total += v;
      sink = sink + total;
    });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (pass > 0) rates.push_back(static_cast<double>(n * sizeof(std::uint64_t)) / secs);  // pass 0 warms up
  }
  std::free(data);
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

}  // namespace servir::kernels::bench
