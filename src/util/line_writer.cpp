#include "util/line_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>

#include <spdlog/spdlog.h>

namespace servir {

// The queue the callers fill and the writer thread drains. The writer holds
// the mutex only to take the whole queue, never while it writes.
struct BoundedLineWriter::Queue {
  Queue(std::unique_ptr<LineSink> s, const LineWriterOptions& options)
      : sink(std::move(s)),
        max_lines(options.max_queued_lines),
        max_bytes(options.max_queued_bytes),
        name(options.name) {}
  const std::unique_ptr<LineSink> sink;  // the writer thread's alone
  const std::size_t max_lines;
  const std::size_t max_bytes;
  const std::string name;
  std::mutex mu;
  std::condition_variable wake;  // lines queued, reopen asked, or stopping
  std::condition_variable done;  // the writer thread ended
  std::deque<std::string> lines;
  std::size_t queued_bytes = 0;
  bool stopping = false;
  bool writer_done = false;
  bool reopen = false;
  std::atomic<std::uint64_t> dropped{0};
  // Set when shutdown gave up on a stuck sink and detached the writer: from
  // then on the writer must not log, since the process may be exiting and
  // tearing down spdlog's globals (a warning from a detached writer at exit
  // crashed the process; seen in HttpAccessLogTest under load).
  std::atomic<bool> abandoned{false};
};

namespace {

constexpr auto kDropWarningInterval = std::chrono::seconds(10);

// A plain fd with O_APPEND: each line is one write(2), so lines from a
// rotated-away file and the new one never interleave mid-line.
class FileLineSink final : public LineSink {
 public:
  FileLineSink(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~FileLineSink() override {
    if (fd_ > 2) ::close(fd_);
  }
  void write_line(std::string_view line) override {
    buffer_.append(line);
    buffer_.push_back('\n');
  }
  void flush() override {
    std::size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error(std::string("write failed: ") + std::strerror(errno));
      done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
  }
  void reopen() override {
    if (path_.empty()) return;
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) throw std::runtime_error("reopening " + path_ + ": " + std::strerror(errno));
    ::close(fd_);
    fd_ = fd;
  }

 private:
  const std::string path_;  // "" = stderr
  int fd_;
  std::string buffer_;
};

}  // namespace

Result<std::unique_ptr<LineSink>> open_line_file(const std::string& path) {
  if (path.empty()) return std::unique_ptr<LineSink>(std::make_unique<FileLineSink>("", 2));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return make_error(ErrorCode::kIoError, "{}: {}", path, std::strerror(errno));
  return std::unique_ptr<LineSink>(std::make_unique<FileLineSink>(path, fd));
}

void BoundedLineWriter::run(const std::shared_ptr<Queue>& queue) {
  std::deque<std::string> batch;
  std::uint64_t dropped_reported = 0;
  auto last_warning = std::chrono::steady_clock::time_point{};
  std::unique_lock lock(queue->mu);
  for (;;) {
    queue->wake.wait(lock, [&] { return !queue->lines.empty() || queue->stopping || queue->reopen; });
    const bool reopen = std::exchange(queue->reopen, false);
    if (queue->lines.empty() && !reopen) break;  // stopping, and everything is written
    batch.swap(queue->lines);
    queue->queued_bytes = 0;
    lock.unlock();
    try {
      if (reopen) queue->sink->reopen();
      for (const std::string& line : batch) queue->sink->write_line(line);
      queue->sink->flush();
    } catch (const std::exception& e) {
      if (!queue->abandoned.load()) spdlog::error("{}: writing failed: {}", queue->name, e.what());
    }
    batch.clear();
    // Said here, not where lines are dropped: this thread may block on
    // stderr, a caller must not.
    const std::uint64_t dropped = queue->dropped.load();
    const auto now = std::chrono::steady_clock::now();
    if (dropped > dropped_reported && now - last_warning >= kDropWarningInterval && !queue->abandoned.load()) {
      spdlog::warn("{}: {} line(s) dropped so far: the destination did not keep up", queue->name, dropped);
      dropped_reported = dropped;
      last_warning = now;
    }
    lock.lock();
  }
  queue->writer_done = true;
  queue->done.notify_all();
}

BoundedLineWriter::BoundedLineWriter(std::unique_ptr<LineSink> sink, LineWriterOptions options)
    : queue_(std::make_shared<Queue>(std::move(sink), options)), options_(std::move(options)) {
  writer_ = std::thread([queue = queue_] { run(queue); });
}

BoundedLineWriter::~BoundedLineWriter() {
  std::unique_lock lock(queue_->mu);
  queue_->stopping = true;
  queue_->wake.notify_one();
  if (queue_->done.wait_for(lock, options_.flush_timeout, [this] { return queue_->writer_done; })) {
    lock.unlock();
    writer_.join();
    return;
  }
  // The sink is stuck (a pipe nobody reads): leave the writer to it. It
  // owns the queue too, and ends once the sink lets go.
  const std::size_t unwritten = queue_->lines.size();
  queue_->lines.clear();
  queue_->queued_bytes = 0;
  queue_->dropped += unwritten;
  queue_->abandoned = true;
  lock.unlock();
  writer_.detach();
  spdlog::warn("{}: its destination blocked for {} ms at shutdown; {} queued line(s) not written", options_.name,
               options_.flush_timeout.count(), unwritten);
}

bool BoundedLineWriter::push(std::string line) {
  {
    std::lock_guard lock(queue_->mu);
    auto& q = *queue_;
    if (!q.lines.empty() && (q.lines.size() >= q.max_lines || q.queued_bytes + line.size() > q.max_bytes)) {
      q.dropped.fetch_add(1);
      return false;
    }
    q.queued_bytes += line.size();
    q.lines.push_back(std::move(line));
  }
  queue_->wake.notify_one();
  return true;
}

std::uint64_t BoundedLineWriter::dropped_lines() const { return queue_->dropped.load(); }

void BoundedLineWriter::request_reopen() {
  {
    std::lock_guard lock(queue_->mu);
    queue_->reopen = true;
  }
  queue_->wake.notify_one();
}

}  // namespace servir
