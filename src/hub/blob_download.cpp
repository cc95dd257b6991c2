// HubClient::download_blob: one blob, resumable and verified.
//
// Bytes go to blobs/<etag>.incomplete and are hashed as they arrive; a run
// that finds a partial file hashes what is there and asks for the rest with
// "Range: bytes=N-". A server that ignores the range (200) starts the file
// over; one that answers a different range is refused. Only a file of the
// listed size whose digest matches is renamed to blobs/<etag>.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "formats/integrity.h"
#include "hub/curl_handle.h"
#include "hub/http_error.h"
#include "hub/hub_client.h"

namespace servir::hub {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

// The running digest of the blob: SHA-256 for LFS files, git's blob SHA-1
// (over "blob <size>\0" + content) for the others, nothing when the Hub
// gave neither.
class BlobDigest {
 public:
  explicit BlobDigest(const BlobDownload& job) : job_(job) {
    if (job.sha256) {
      digest_.emplace(StreamingDigest::Algorithm::kSha256);
    } else if (!job.git_blob_id.empty()) {
      digest_.emplace(StreamingDigest::Algorithm::kSha1);
    }
    restart();
  }
  void restart() {
    if (!digest_) return;
    digest_->reset();
    if (!job_.sha256) digest_->update(fmt::format("blob {}", job_.size) + std::string(1, '\0'));
  }
  void update(std::string_view bytes) {
    if (digest_) digest_->update(bytes);
  }
  // OK, or kIntegrity naming the file and both digests.
  Status check() {
    if (!digest_) return {};
    const std::string actual = digest_->final_hex();
    const std::string& expected = job_.sha256 ? *job_.sha256 : job_.git_blob_id;
    if (actual == expected) return {};
    return make_error(ErrorCode::kIntegrity, "{}: {} mismatch: the Hub lists {}, the downloaded data is {}; deleted it",
                      job_.file, job_.sha256 ? "SHA-256" : "git blob id", expected, actual);
  }

 private:
  const BlobDownload& job_;
  std::optional<StreamingDigest> digest_;
};

// State shared with libcurl's write callback.
struct Transfer {
  const BlobDownload* job = nullptr;
  detail::CurlHandle* curl = nullptr;
  std::FILE* out = nullptr;
  BlobDigest* digest = nullptr;
  DownloadObserver* observer = nullptr;
  std::uint64_t offset = 0;       // bytes already on disk when the request was sent
  std::uint64_t on_disk = 0;      // bytes on disk now
  std::uint64_t transferred = 0;  // body bytes written this run
  bool started = false;           // the first body byte of the final response was seen
  std::string error_body;
  Status failure;  // why the callback aborted the transfer
  Clock::time_point last_report{};

  bool start_body() {
    started = true;
    const long status = curl->status;
    if (status == 200 && offset > 0) {
      // The server ignored the range: start over.
      if (std::fflush(out) != 0 || ::ftruncate(::fileno(out), 0) != 0 || std::fseek(out, 0, SEEK_SET) != 0) {
        failure = make_error(ErrorCode::kIoError, "{}: cannot restart {}", job->file, job->incomplete.string());
        return false;
      }
      digest->restart();
      offset = on_disk = 0;
    } else if (status == 206) {
      // "Content-Range: bytes START-END/TOTAL" must start where the file ends.
      const std::string range = curl->header("content-range");
      const std::string expected = fmt::format("bytes {}-", offset);
      if (!range.starts_with(expected)) {
        failure = make_error(ErrorCode::kCorruptData, "{}: asked for bytes from {}, the server sent '{}'", job->file,
                             offset, range.substr(0, 80));
        return false;
      }
    }
    return true;
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self_ptr) {
    auto* t = static_cast<Transfer*>(self_ptr);
    const std::size_t n = size * count;
    const long status = t->curl->status;
    if (status < 200 || status >= 300) {
      // An error page: keep a little of it for the message, never the file.
      if (t->error_body.size() < detail::kMaxErrorBodyBytes) t->error_body.append(data, std::min<std::size_t>(n, 512));
      return n;
    }
    if (!t->started && !t->start_body()) return 0;
    if (t->on_disk + n > t->job->size) {
      t->failure = make_error(ErrorCode::kCorruptData, "{}: the server sent more than the {} bytes the Hub lists",
                              t->job->file, t->job->size);
      return 0;
    }
    if (std::fwrite(data, 1, n, t->out) != n) {
      t->failure = make_error(ErrorCode::kIoError, "{}: write failed (disk full?)", t->job->incomplete.string());
      return 0;
    }
    t->digest->update(std::string_view(data, n));
    t->on_disk += n;
    t->transferred += n;
    const auto now = Clock::now();
    if (t->observer != nullptr && now - t->last_report > std::chrono::milliseconds(100)) {
      t->last_report = now;
      t->observer->on_progress(t->job->file, t->on_disk);
    }
    return n;
  }
};

// Feeds the bytes already in `path` (a resumed download) to the digest.
Result<std::uint64_t> hash_existing(const fs::path& path, std::uint64_t limit, BlobDigest& digest) {
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (in == nullptr) return std::uint64_t{0};
  std::vector<char> buffer(1 << 20);
  std::uint64_t total = 0;
  while (total < limit) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), in);
    if (n == 0) break;
    const std::size_t used = static_cast<std::size_t>(std::min<std::uint64_t>(n, limit - total));
    digest.update(std::string_view(buffer.data(), used));
    total += used;
  }
  std::fclose(in);
  return total;
}

}  // namespace

Result<std::uint64_t> HubClient::download_blob(const BlobDownload& job, DownloadObserver* observer) {
  const RequestContext context{.endpoint = options_.endpoint,
                               .repo_id = "",
                               .revision = "",
                               .file = job.file,
                               .token_sent = !options_.token.empty()};
  if (options_.offline)
    return make_error(ErrorCode::kUnavailable, "HF_HUB_OFFLINE is set: not downloading {}", job.file);
  BlobDigest digest(job);
  std::error_code ec;
  std::uint64_t existing = fs::exists(job.incomplete, ec) ? fs::file_size(job.incomplete, ec) : 0;
  if (ec || existing > job.size) {
    fs::remove(job.incomplete, ec);  // longer than the file: not a prefix of it
    existing = 0;
  }
  auto hashed = hash_existing(job.incomplete, existing, digest);
  if (!hashed) return std::move(hashed).status();
  existing = *hashed;
  ::truncate(job.incomplete.c_str(), static_cast<off_t>(existing));

  std::FILE* out = std::fopen(job.incomplete.c_str(), existing > 0 ? "r+b" : "wb");
  if (out == nullptr) return make_error(ErrorCode::kIoError, "{}: cannot open for writing", job.incomplete.string());
  std::fseek(out, static_cast<long>(existing), SEEK_SET);
  std::vector<char> buffer(1 << 20);
  std::setvbuf(out, buffer.data(), _IOFBF, buffer.size());

  if (observer != nullptr) observer->on_start(job.file, job.size, existing);
  const auto started = Clock::now();
  Transfer t{.job = &job,
             .curl = curl_.get(),
             .out = out,
             .digest = &digest,
             .observer = observer,
             .offset = existing,
             .on_disk = existing};
  CURLcode rc = CURLE_OK;
  long status = 0;
  if (existing < job.size || job.size == 0) {
    detail::HeaderList headers;
    detail::add_common_headers(headers, options_);
    if (existing > 0) headers.add(fmt::format("Range: bytes={}-", existing));
    detail::CurlHandle& c = *curl_;
    c.reset(options_, job.url, /*follow=*/true, headers.list);
    curl_easy_setopt(c.handle, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
    curl_easy_setopt(c.handle, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c.handle, CURLOPT_BUFFERSIZE, 512L * 1024);
    rc = curl_easy_perform(c.handle);
    status = c.status;
  }
  const bool flushed = std::fflush(out) == 0 && ::fsync(::fileno(out)) == 0;
  std::fclose(out);
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  auto finish = [&](Status st) -> Result<std::uint64_t> {
    if (observer != nullptr) observer->on_finish(job.file, st, t.transferred, seconds);
    if (!st.ok()) return st;
    return t.transferred;
  };
  if (!t.failure.ok()) {
    // Data that contradicts the listing is not worth resuming.
    if (t.failure.code() == ErrorCode::kCorruptData) fs::remove(job.incomplete, ec);
    return finish(t.failure);
  }
  if (rc != CURLE_OK) {
    Status st = transport_error(context, curl_easy_strerror(rc), rc);
    return finish(Status(st.code(), fmt::format("{}; {} of {} bytes are kept in {}: run again to resume", st.message(),
                                                t.on_disk, job.size, job.incomplete.string())));
  }
  // 416: nothing left to send, which is right when the file is complete.
  if (status >= 300 && !(status == 416 && t.on_disk == job.size)) {
    return finish(http_error(context, status, curl_->header("x-error-code"), curl_->header("x-error-message")));
  }
  if (!flushed) return finish(make_error(ErrorCode::kIoError, "{}: cannot flush to disk", job.incomplete.string()));
  if (t.on_disk != job.size) {
    return finish(make_error(ErrorCode::kUnavailable,
                             "{}: the transfer ended after {} of {} bytes; they are kept: run again to resume",
                             job.file, t.on_disk, job.size));
  }
  if (Status st = digest.check(); !st.ok()) {
    fs::remove(job.incomplete, ec);
    return finish(st);
  }
  fs::rename(job.incomplete, job.blob, ec);
  if (ec) return finish(make_error(ErrorCode::kIoError, "{}: {}", job.blob.string(), ec.message()));
  if (observer != nullptr) observer->on_progress(job.file, t.on_disk);
  return finish({});
}

}  // namespace servir::hub
