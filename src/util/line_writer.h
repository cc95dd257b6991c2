// A bounded, non-blocking queue of text lines drained by one writer thread:
// what the access log and the guard's audit log write through.
//
// push() never blocks on the destination (it is called from I/O threads):
// it queues the line, or drops and counts it when the queue is full. One
// writer thread takes the whole queue at a time and hands each line to a
// LineSink, which may block (a slow disk, a pipe nobody reads). The
// destructor writes what is queued, waiting at most `flush_timeout`; a
// writer still stuck then is left behind (detached) and the lines it did not
// write count as dropped.
//
// A file sink can be reopened (request_reopen(), from a SIGHUP handler's
// thread): the writer reopens the path before its next batch, which is how
// logrotate's "move, then signal" works.
//
// Thread-safety: push(), dropped_lines() and request_reopen() may be called
// from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "util/status.h"

namespace servir {

// Where the writer thread puts lines; only that thread calls it.
class LineSink {
 public:
  virtual ~LineSink() = default;
  virtual void write_line(std::string_view line) = 0;  // without the newline
  virtual void flush() {}                              // after each batch of lines
  virtual void reopen() {}                             // files: open the path anew
};

// Appends to a file (created 0640 if absent), or writes to stderr when the
// path is "". Errors: kIoError when the file cannot be opened.
Result<std::unique_ptr<LineSink>> open_line_file(const std::string& path);

struct LineWriterOptions {
  // A line that would take the queue past either bound is dropped. A line
  // is always taken into an empty queue, however long it is.
  std::size_t max_queued_lines = 8192;
  std::size_t max_queued_bytes = std::size_t{16} << 20;
  std::chrono::milliseconds flush_timeout{2000};  // what the destructor waits
  std::string name = "log";                       // for the writer's own warnings
};

class BoundedLineWriter {
 public:
  BoundedLineWriter(std::unique_ptr<LineSink> sink, LineWriterOptions options);
  ~BoundedLineWriter();
  BoundedLineWriter(const BoundedLineWriter&) = delete;
  BoundedLineWriter& operator=(const BoundedLineWriter&) = delete;

  // Queues the line; false (and counted) when it was dropped.
  bool push(std::string line);
  std::uint64_t dropped_lines() const;
  void request_reopen();

 private:
  struct Queue;
  static void run(const std::shared_ptr<Queue>& queue);

  std::shared_ptr<Queue> queue_;  // shared with the writer thread
  std::thread writer_;
  const LineWriterOptions options_;
};

}  // namespace servir
