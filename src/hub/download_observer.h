// How a pull reports progress: per file, from the worker threads that
// download (an implementation locks what it shares). The app renders it as
// progress bars on a terminal and as plain lines otherwise.
#pragma once

#include <cstdint>
#include <string>

#include "util/status.h"

namespace servir::hub {

class DownloadObserver {
 public:
  virtual ~DownloadObserver() = default;
  // A download starts; `resumed_from` bytes were already on disk.
  virtual void on_start(const std::string& file, std::uint64_t total_bytes, std::uint64_t resumed_from) = 0;
  // `bytes_on_disk` counts the resumed bytes too. Called often: cheap.
  virtual void on_progress(const std::string& file, std::uint64_t bytes_on_disk) = 0;
  // `transferred` is what this run fetched (not the resumed part).
  virtual void on_finish(const std::string& file, const Status& status, std::uint64_t transferred, double seconds) = 0;
  // The file was already in the cache (this tool's or another's).
  virtual void on_cached(const std::string& /*file*/) {}
};

}  // namespace servir::hub
