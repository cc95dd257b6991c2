// Memory-read bandwidth probe: the roofline GEMV is measured against.
#pragma once

#include "kernels/thread_pool.h"

namespace servir::kernels::bench {

// Median bytes/second of `pool` threads summing a `bytes` array (each
// thread its own contiguous half), over `passes` passes after a warm-up.
double measure_read_bandwidth(ThreadPool& pool, std::size_t bytes, int passes);

}  // namespace servir::kernels::bench
