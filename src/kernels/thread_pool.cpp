#include "kernels/thread_pool.h"

#include <fstream>
#include <set>
#include <string>
#include <utility>

#include "util/check.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SERVIR_CPU_RELAX() _mm_pause()
#else
#define SERVIR_CPU_RELAX() ((void)0)
#endif

namespace servir::kernels {
namespace {

// Pause iterations before a worker sleeps / the caller yields (roughly
// 0.1-1 ms): long enough to bridge the gaps between the kernels of a layer,
// short enough not to steal a shared machine's cores between requests.
constexpr int kSpinIterations = 1 << 12;

// Chunks of one job fit the 16-bit fields of claim_.
constexpr std::int64_t kMaxChunks = 1 << 16;

}  // namespace

int physical_core_count() {
  std::set<std::pair<int, int>> cores;  // (package, core id)
  const unsigned logical = std::thread::hardware_concurrency();
  for (unsigned cpu = 0; cpu < logical; ++cpu) {
    const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream core_file(base + "core_id");
    std::ifstream package_file(base + "physical_package_id");
    int core = -1, package = -1;
    if (!(core_file >> core) || !(package_file >> package)) return logical > 0 ? static_cast<int>(logical) : 1;
    cores.emplace(package, core);
  }
  return cores.empty() ? 1 : static_cast<int>(cores.size());
}

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads > 0 ? n_threads : physical_core_count()) {
  workers_.reserve(static_cast<std::size_t>(n_threads_ - 1));
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_seq_cst);
  generation_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_chunks(ChunkFn fn, void* ctx, std::int64_t n_chunks) {
  CHECK(n_chunks > 0 && n_chunks < kMaxChunks) << "thread pool: " << n_chunks << " chunks in one job";
  const std::uint32_t job = ++last_job_;
  fn_.store(fn, std::memory_order_relaxed);
  ctx_.store(ctx, std::memory_order_relaxed);
  done_.store(0, std::memory_order_relaxed);
  claim_.store(static_cast<std::uint64_t>(job) << 32 | static_cast<std::uint64_t>(n_chunks) << 16,
               std::memory_order_release);
  // seq_cst pairs with the worker's sleepers_ increment: either we see a
  // sleeper and wake it, or it sees the new generation before sleeping.
  generation_.store(job, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) generation_.notify_all();
  work_on(job);
  // Only chunks a worker claimed and is still running are left; yield if
  // that takes long (the OS may have preempted it, and it needs this core).
  for (int spin = 0; done_.load(std::memory_order_acquire) != n_chunks; ++spin) {
    if (spin < kSpinIterations) {
      SERVIR_CPU_RELAX();
    } else {
      std::this_thread::yield();
    }
  }
}

void ThreadPool::work_on(std::uint32_t job_id) {
  // Claim a chunk of job `job_id` first, then read the job: a claimed chunk
  // keeps the job open (the caller publishes the next one only once every
  // claimed chunk is done), so fn/ctx read after the claim are this job's.
  // The count comes from the claimed word itself: read separately, a worker
  // waking late could pair the old job's id with the next job's larger count
  // and claim a chunk past the end, counting it into the next job's done_
  // (which then never equals its count, and the caller waits forever).
  std::uint64_t cur = claim_.load(std::memory_order_acquire);
  for (;;) {
    const std::uint64_t next = cur & 0xffffu, count = (cur >> 16) & 0xffffu;
    if ((cur >> 32) != job_id || next >= count) return;
    if (!claim_.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
    const ChunkFn fn = fn_.load(std::memory_order_relaxed);
    void* const ctx = ctx_.load(std::memory_order_relaxed);
    fn(ctx, static_cast<std::int64_t>(next));
    done_.fetch_add(1, std::memory_order_acq_rel);
    cur = claim_.load(std::memory_order_acquire);
  }
}

void ThreadPool::worker_loop() {
  std::uint32_t seen = 0;
  for (;;) {
    std::uint32_t gen = generation_.load(std::memory_order_acquire);
    for (int spin = 0; gen == seen && spin < kSpinIterations; ++spin) {
      SERVIR_CPU_RELAX();
      gen = generation_.load(std::memory_order_acquire);
    }
    while (gen == seen) {
      sleepers_.fetch_add(1, std::memory_order_seq_cst);
      generation_.wait(seen, std::memory_order_seq_cst);
      sleepers_.fetch_sub(1, std::memory_order_relaxed);
      gen = generation_.load(std::memory_order_acquire);
    }
    seen = gen;
    if (stop_.load(std::memory_order_relaxed)) return;
    work_on(gen);
  }
}

}  // namespace servir::kernels
