// ThreadPool: persistent workers for the per-layer parallel loops of a
// forward pass (owner, move-less; create once per engine).
//
// parallel_for(n, grain, fn) splits [0, n) into chunks of whole grains and
// calls fn(begin, end) on each, on the calling thread and the workers. Chunks
// are claimed from one atomic counter, so a thread that the OS preempts (a
// shared or oversubscribed machine) does not hold the others up: whoever is
// running takes the remaining chunks, and both cores finish together. The
// caller returns once every chunk is done; a worker that wakes late finds the
// job closed and never touches it. No task queue, no mutex and no allocation
// per call: workers spin briefly on a generation counter, then sleep on it
// (futex, via std::atomic::wait).
//
// Thread-safety: parallel_for must not be called concurrently or from
// inside fn; the pool belongs to one engine thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <type_traits>
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
  void parallel_for(std::int64_t n, std::int64_t grain, Fn&& fn) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    // About 8 chunks per thread: enough to balance, few enough to be cheap.
    const std::int64_t target = (n + 8 * n_threads_ - 1) / (8 * n_threads_);
    const std::int64_t chunk = std::max<std::int64_t>(grain, (target + grain - 1) / grain * grain);
    const std::int64_t n_chunks = (n + chunk - 1) / chunk;  // at most 8 * n_threads_ + 1
    if (n_threads_ == 1 || n_chunks == 1) {
      fn(std::int64_t{0}, n);
      return;
    }
    struct Job {
      std::remove_reference_t<Fn>* fn;
      std::int64_t n, chunk;
    } job{&fn, n, chunk};
    run_chunks(
        [](void* ctx, std::int64_t c) {
          auto* j = static_cast<Job*>(ctx);
          const std::int64_t begin = c * j->chunk;
          (*j->fn)(begin, std::min(j->n, begin + j->chunk));
        },
        &job, n_chunks);
  }

 private:
  using ChunkFn = void (*)(void* ctx, std::int64_t chunk);

  void run_chunks(ChunkFn fn, void* ctx, std::int64_t n_chunks);
  // Claims and runs chunks of job `job_id` until none is left.
  void work_on(std::uint32_t job_id);
  void worker_loop();

  int n_threads_;
  std::vector<std::thread> workers_;
  std::uint32_t last_job_ = 0;
  std::atomic<ChunkFn> fn_{nullptr};
  std::atomic<void*> ctx_{nullptr};
  // job id << 32 | chunk count << 16 | next chunk: a claim checks the job
  // and the count it races against in the one word it updates.
  alignas(64) std::atomic<std::uint64_t> claim_{0};
  alignas(64) std::atomic<std::int64_t> done_{0};  // chunks finished in the current job
  alignas(64) std::atomic<std::uint32_t> generation_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
};

}  // namespace servir::kernels
