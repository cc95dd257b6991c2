#include "app/pull_progress.h"

#include <fmt/format.h>

namespace servir::app {
namespace {

using Clock = std::chrono::steady_clock;

double mib(std::uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

// "12.3 MiB", "4.0 KiB", "512 B": small files (configs) are not "0.0 MiB".
std::string human_bytes(std::uint64_t bytes) {
  if (bytes >= (1u << 20)) return fmt::format("{:.1f} MiB", mib(bytes));
  if (bytes >= 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  return fmt::format("{} B", bytes);
}

}  // namespace

PullProgress::PullProgress(bool terminal, std::FILE* out) : terminal_(terminal), out_(out) {}

PullProgress::Row* PullProgress::find(const std::string& file) {
  for (Row& row : rows_) {
    if (row.file == file) return &row;
  }
  return nullptr;
}

std::string PullProgress::render(const Row& row) const {
  constexpr int kWidth = 30;
  const double fraction = row.total == 0 ? 1.0 : static_cast<double>(row.done) / static_cast<double>(row.total);
  const int filled = static_cast<int>(fraction * kWidth);
  const double seconds = std::chrono::duration<double>(Clock::now() - row.started).count();
  const double rate = seconds > 0 ? mib(row.done - std::min(row.done, row.resumed_from)) / seconds : 0.0;
  std::string name = row.file.size() > 40 ? "..." + row.file.substr(row.file.size() - 37) : row.file;
  return fmt::format("{:<40} [{}{}] {:>10} / {:<10} {:>7.1f} MiB/s {}", name, std::string(filled, '#'),
                     std::string(kWidth - filled, '.'), human_bytes(row.done), human_bytes(row.total), rate,
                     row.outcome);
}

void PullProgress::redraw_locked(bool force) {
  const auto now = Clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  // Back to the first row drawn last time, then every row again.
  if (lines_drawn_ > 0) std::fprintf(out_, "\x1b[%zuA", lines_drawn_);
  for (const Row& row : rows_) std::fprintf(out_, "\r\x1b[K%s\n", render(row).c_str());
  lines_drawn_ = rows_.size();
  std::fflush(out_);
}

void PullProgress::on_start(const std::string& file, std::uint64_t total, std::uint64_t resumed_from) {
  std::lock_guard<std::mutex> lock(mutex_);
  rows_.push_back(Row{.file = file,
                      .total = total,
                      .done = resumed_from,
                      .resumed_from = resumed_from,
                      .started = Clock::now(),
                      .outcome = ""});
  if (terminal_) return redraw_locked(true);
  if (resumed_from > 0) {
    std::fprintf(out_, "servir: downloading %s (%s, resuming at %s)\n", file.c_str(), human_bytes(total).c_str(),
                 human_bytes(resumed_from).c_str());
  } else {
    std::fprintf(out_, "servir: downloading %s (%s)\n", file.c_str(), human_bytes(total).c_str());
  }
  std::fflush(out_);
}

void PullProgress::on_progress(const std::string& file, std::uint64_t bytes_on_disk) {
  if (!terminal_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (Row* row = find(file)) row->done = bytes_on_disk;
  redraw_locked(false);
}

void PullProgress::on_finish(const std::string& file, const Status& status, std::uint64_t transferred, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  Row* row = find(file);
  if (terminal_ && row != nullptr) {
    row->outcome = status.ok() ? "done" : "FAILED";
    if (status.ok()) row->done = row->total;
    return redraw_locked(true);
  }
  if (status.ok()) {
    std::fprintf(out_, "servir: %s: %s in %.2f s (%.1f MiB/s), verified\n", file.c_str(),
                 human_bytes(transferred).c_str(), seconds, seconds > 0 ? mib(transferred) / seconds : 0.0);
  } else {
    std::fprintf(out_, "servir: %s: failed: %s\n", file.c_str(), status.message().c_str());
  }
  std::fflush(out_);
}

void PullProgress::on_cached(const std::string& file) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (terminal_) {
    rows_.push_back(Row{
        .file = file, .total = 0, .done = 0, .resumed_from = 0, .started = Clock::now(), .outcome = "in the cache"});
    return redraw_locked(true);
  }
  std::fprintf(out_, "servir: %s: already in the cache\n", file.c_str());
  std::fflush(out_);
}

}  // namespace servir::app
