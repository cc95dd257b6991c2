// How `servir pull` (and `--model hf:...`) shows a download: on a terminal,
// one progress bar per file redrawn in place (at most 10 times a second);
// otherwise plain lines when a file starts, is found in the cache, or ends.
// Everything goes to stderr, so stdout stays the command's answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "hub/download_observer.h"

namespace servir::app {

class PullProgress : public hub::DownloadObserver {
 public:
  // `terminal`: draw bars (stderr is a tty and the caller wants them).
  explicit PullProgress(bool terminal, std::FILE* out = stderr);

  void on_start(const std::string& file, std::uint64_t total_bytes, std::uint64_t resumed_from) override;
  void on_progress(const std::string& file, std::uint64_t bytes_on_disk) override;
  void on_finish(const std::string& file, const Status& status, std::uint64_t transferred, double seconds) override;
  void on_cached(const std::string& file) override;

 private:
  struct Row {
    std::string file;
    std::uint64_t total = 0;
    std::uint64_t done = 0;
    std::uint64_t resumed_from = 0;
    std::chrono::steady_clock::time_point started;
    std::string outcome;  // empty while running
  };
  Row* find(const std::string& file);
  void redraw_locked(bool force);
  std::string render(const Row& row) const;

  bool terminal_;
  std::FILE* out_;
  std::mutex mutex_;
  std::vector<Row> rows_;
  std::size_t lines_drawn_ = 0;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace servir::app
