#include "util/atomic_write.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

namespace servir {

Status write_file_atomically(const std::string& path, const std::function<void(const ByteSink&)>& produce) {
  const std::string tmp = path + ".tmp";
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(tmp.c_str(), "wb"), &std::fclose);
  if (!file) return make_error(ErrorCode::kIoError, "{}: cannot create: {}", tmp, std::strerror(errno));
  bool failed = false;
  produce([&](std::span<const std::byte> bytes) {
    if (!failed && std::fwrite(bytes.data(), 1, bytes.size(), file.get()) != bytes.size()) failed = true;
  });
  if (std::fflush(file.get()) != 0) failed = true;
  file.reset();
  std::error_code ec;
  if (failed) {
    std::filesystem::remove(tmp, ec);
    return make_error(ErrorCode::kIoError, "{}: write failed (disk full?)", path);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return make_error(ErrorCode::kIoError, "{}: cannot rename into place: {}", path, ec.message());
  return {};
}

}  // namespace servir
