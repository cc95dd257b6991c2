#include "kernels/thread_pool.h"

#include <atomic>
#include <vector>

#include <gtest/gtest.h>

namespace servir::kernels {
namespace {

TEST(ThreadPool, EveryThreadRunsOncePerCall) {
  ThreadPool pool(3);
  ASSERT_EQ(pool.size(), 3);
  for (int iter = 0; iter < 300; ++iter) {
    std::vector<int> hits(3, 0);
    pool.run([&](int i, int n) {
      ASSERT_EQ(n, 3);
      hits[static_cast<std::size_t>(i)] += 1;
    });
    ASSERT_EQ(hits, std::vector<int>({1, 1, 1})) << "iteration " << iter;
  }
}

TEST(ThreadPool, ParallelForCoversRangeOnce) {
  ThreadPool pool(2);
  for (std::int64_t n : {0, 1, 5, 16, 17, 1000}) {
    for (std::int64_t grain : {1, 4, 16}) {
      std::vector<std::atomic<int>> seen(static_cast<std::size_t>(n));
      pool.parallel_for(n, grain, [&](std::int64_t b, std::int64_t e) {
        EXPECT_TRUE(b % grain == 0);
        for (std::int64_t i = b; i < e; ++i) seen[static_cast<std::size_t>(i)]++;
      });
      for (auto& s : seen) ASSERT_EQ(s.load(), 1) << "n=" << n << " grain=" << grain;
    }
  }
}

TEST(ThreadPool, WakesAfterSleeping) {
  ThreadPool pool(2);
  std::atomic<int> total{0};
  for (int iter = 0; iter < 3; ++iter) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // workers go to sleep
    pool.run([&](int, int) { total++; });
  }
  EXPECT_EQ(total.load(), 6);
}

TEST(ThreadPool, SingleThreadRunsInline) {
  ThreadPool pool(1);
  int calls = 0;
  pool.run([&](int i, int n) {
    EXPECT_EQ(i, 0);
    EXPECT_EQ(n, 1);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_GE(physical_core_count(), 1);
}

}  // namespace
}  // namespace servir::kernels
