#include "kernels/thread_pool.h"

#include <atomic>
#include <chrono>
#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace servir::kernels {
namespace {

TEST(ThreadPool, ParallelForCoversRangeOnceInWholeGrains) {
  ThreadPool pool(3);
  ASSERT_EQ(pool.size(), 3);
  for (std::int64_t n : {0, 1, 5, 16, 17, 1000, 100003}) {
    for (std::int64_t grain : {1, 4, 16}) {
      std::vector<std::atomic<int>> seen(static_cast<std::size_t>(n));
      pool.parallel_for(n, grain, [&](std::int64_t b, std::int64_t e) {
        EXPECT_EQ(b % grain, 0);
        EXPECT_TRUE(e == n || e % grain == 0);
        for (std::int64_t i = b; i < e; ++i) seen[static_cast<std::size_t>(i)]++;
      });
      for (auto& s : seen) ASSERT_EQ(s.load(), 1) << "n=" << n << " grain=" << grain;
    }
  }
}

TEST(ThreadPool, BackToBackJobsNeverMix) {
  ThreadPool pool(2);
  for (int iter = 0; iter < 2000; ++iter) {
    std::atomic<std::int64_t> sum{0};
    const std::int64_t n = 64 + iter % 7;
    pool.parallel_for(n, 1, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) sum += i + iter;
    });
    ASSERT_EQ(sum.load(), n * (n - 1) / 2 + n * iter) << "iteration " << iter;
  }
}

// Jobs of few and many chunks in turn: a worker that wakes late for a small
// job must not claim past its end when the next, larger job is being set up
// (it once could, and its stray count made the caller wait forever). Each
// chunk runs exactly once.
TEST(ThreadPool, LateWorkersNeverClaimPastAJobsEnd) {
  ThreadPool pool(2);
  for (int iter = 0; iter < 100000; ++iter) {
    const std::int64_t n = iter % 2 == 0 ? 2 : 16;  // 2 and 16 chunks of one
    std::atomic<std::int64_t> runs{0};
    pool.parallel_for(n, 1, [&](std::int64_t b, std::int64_t e) { runs += e - b; });
    ASSERT_EQ(runs.load(), n) << "iteration " << iter;
  }
}

TEST(ThreadPool, WorkersShareTheWork) {
  ThreadPool pool(2);
  std::set<std::thread::id> ids;
  for (int iter = 0; iter < 200 && ids.size() < 2; ++iter) {
    std::atomic<int> spins{0};
    std::vector<std::thread::id> who(64);
    pool.parallel_for(64, 1, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) {
        who[static_cast<std::size_t>(i)] = std::this_thread::get_id();
        while (spins.fetch_add(1) % 1000 != 0) {
        }
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    });
    ids.insert(who.begin(), who.end());
  }
  EXPECT_EQ(ids.size(), 2u);
}

TEST(ThreadPool, WakesAfterSleeping) {
  ThreadPool pool(2);
  std::atomic<int> total{0};
  for (int iter = 0; iter < 3; ++iter) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));  // workers go to sleep
    pool.parallel_for(100, 1, [&](std::int64_t b, std::int64_t e) { total += static_cast<int>(e - b); });
  }
  EXPECT_EQ(total.load(), 300);
}

TEST(ThreadPool, SingleThreadRunsInline) {
  ThreadPool pool(1);
  int calls = 0;
  pool.parallel_for(10, 1, [&](std::int64_t b, std::int64_t e) {
    EXPECT_EQ(b, 0);
    EXPECT_EQ(e, 10);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  EXPECT_GE(physical_core_count(), 1);
}

}  // namespace
}  // namespace servir::kernels
