// ThreadPool: persistent workers for the per-layer parallel loops of a
// forward pass (owner, move-less; create once per engine).
//
// run(fn) is a fork/join: every thread of the pool, the caller included as
// thread 0, calls fn(thread_index, n_threads) once and run() returns when all
// have finished. There is no task queue, no mutex and no allocation per call:
// workers spin briefly on a generation counter, then sleep on it (futex via
// std::atomic::wait), so back-to-back calls of one decode step cost well
// under a microsecond of hand-off each while an idle pool uses no CPU.
//
// Thread-safety: run() must not be called concurrently or re-entrantly; the
// pool belongs to one engine thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace servir::kernels {

// Physical cores of this machine (SMT siblings counted once); at least 1.
int physical_core_count();

class ThreadPool {
 public:
  // n_threads counts the caller; 0 means physical_core_count().
  explicit ThreadPool(int n_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }

  template <typename Fn>
  void run(Fn&& fn) {
    if (n_threads_ == 1) {
      fn(0, 1);
      return;
    }
    run_erased([](void* ctx, int i, int n) { (*static_cast<Fn*>(ctx))(i, n); }, &fn);
  }

  // Splits [0, n) into size() contiguous ranges of whole `grain`s, as even
  // as possible, and calls fn(begin, end) for each non-empty one.
  template <typename Fn>
  void parallel_for(std::int64_t n, std::int64_t grain, Fn&& fn) {
    if (n <= 0) return;
    const std::int64_t units = (n + grain - 1) / grain;
    run([&](int i, int nt) {
      const std::int64_t u0 = units * i / nt;
      const std::int64_t u1 = units * (i + 1) / nt;
      const std::int64_t begin = u0 * grain;
      const std::int64_t end = u1 * grain < n ? u1 * grain : n;
      if (begin < end) fn(begin, end);
    });
  }

 private:
  using TaskFn = void (*)(void* ctx, int thread_index, int n_threads);

  void run_erased(TaskFn fn, void* ctx);
  void worker_loop(int index);

  int n_threads_;
  std::vector<std::thread> workers_;
  TaskFn task_ = nullptr;
  void* task_ctx_ = nullptr;
  alignas(64) std::atomic<std::uint32_t> generation_{0};
  alignas(64) std::atomic<int> pending_{0};
  alignas(64) std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace servir::kernels
