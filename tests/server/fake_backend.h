// A scripted GenerationBackend for the transport tests: its own "engine
// thread" emits one token per live request every `tick` (the pieces of
// `script` in order when set, then 'a', id 97), until the request's
// max_tokens (finish "length") or an abort (finish "abort").
// Submit refuses with kResourceExhausted once `max_live` requests are live.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server/generation_backend.h"

namespace servir::server::testing {

class FakeBackend final : public GenerationBackend {
 public:
  explicit FakeBackend(std::chrono::milliseconds tick = std::chrono::milliseconds(1)) : tick_(tick) {
    thread_ = std::thread([this] { loop(); });
  }
  ~FakeBackend() override { stop(); }

  Status submit(GenerationRequest request, OutputSink sink) override {
    std::lock_guard lock(mu_);
    if (stopping_ || closed_) return Status(ErrorCode::kUnavailable, "stopping");
    if (static_cast<int>(live_.size()) >= max_live.load()) {
      ++rejected_;
      return Status(ErrorCode::kResourceExhausted, "the queue is full");
    }
    submitted.push_back(request.id);
    prompts.push_back(request.prompt);
    deadlines.push_back(request.deadline);
    Live live;
    live.request = std::move(request);
    live.sink = std::move(sink);
    live.timings.arrival = EngineClock::now();
    live_.push_back(std::move(live));
    cv_.notify_all();
    return {};
  }

  void abort(std::string_view id) override {
    std::lock_guard lock(mu_);
    aborted.emplace_back(id);
    for (auto& l : live_) {
      if (l.request.id == id) l.abort = true;
    }
  }

  void close_admission() override {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  int live_requests() const override {
    std::lock_guard lock(mu_);
    return static_cast<int>(live_.size());
  }
  EngineStats stats() const override {
    std::lock_guard lock(mu_);
    EngineStats s;
    s.running = static_cast<int>(live_.size());
    s.requests_rejected = static_cast<std::uint64_t>(rejected_);
    return s;
  }
  std::vector<FinishedRequestSample> drain_finished_samples() override { return {}; }
  EngineClock::time_point heartbeat() const override {
    return EngineClock::time_point(EngineClock::duration(heartbeat_.load()));
  }
  void stop() override {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      for (auto& l : live_) l.abort = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void stall_for_testing(std::chrono::milliseconds duration) override {
    stall_until_.store((EngineClock::now() + duration).time_since_epoch().count());
  }

  std::vector<std::vector<std::int32_t>> submitted_prompts() const {
    std::lock_guard lock(mu_);
    return prompts;
  }

  std::vector<std::optional<EngineClock::time_point>> submitted_deadlines() const {
    std::lock_guard lock(mu_);
    return deadlines;
  }

  std::vector<std::string> aborted_ids() const {
    std::lock_guard lock(mu_);
    return aborted;
  }

  std::atomic<int> max_live{1 << 30};
  // Token texts every request emits first; set before submitting. With
  // stop_after_script, a request finishes ("stop") once they are out.
  std::vector<std::string> script;
  bool stop_after_script = false;

 private:
  struct Live {
    GenerationRequest request;
    OutputSink sink;
    int emitted = 0;
    bool abort = false;
    RequestTimings timings;
  };

  void loop() {
    std::unique_lock lock(mu_);
    while (true) {
      heartbeat_.store(EngineClock::now().time_since_epoch().count());
      const auto stall = EngineClock::time_point(EngineClock::duration(stall_until_.load()));
      if (stall > EngineClock::now()) {
        lock.unlock();
        std::this_thread::sleep_until(stall);
        lock.lock();
        continue;
      }
      if (live_.empty() && stopping_) return;
      cv_.wait_for(lock, tick_);
      for (auto it = live_.begin(); it != live_.end();) {
        RequestOutput out;
        out.request_id = it->request.id;
        out.prompt_tokens = static_cast<int>(it->request.prompt.size());
        ChoiceDelta delta;
        if (it->abort) {
          delta.finish_reason = FinishReason::kAbort;
          out.error = Status(ErrorCode::kUnavailable, "aborted");
        } else {
          if (it->emitted == 0) it->timings.first_scheduled = it->timings.first_token = EngineClock::now();
          delta.token_ids = {97};
          if (static_cast<std::size_t>(it->emitted) < script.size()) {
            delta.text = script[static_cast<std::size_t>(it->emitted)];
          } else {
            delta.text.push_back('a');  // (= "a" trips GCC 12 -Wrestrict)
          }
          ++it->emitted;
          if (it->emitted >= it->request.sampling.max_tokens) delta.finish_reason = FinishReason::kLength;
          if (stop_after_script && static_cast<std::size_t>(it->emitted) >= script.size()) {
            delta.finish_reason = FinishReason::kStop;
          }
        }
        out.completion_tokens = it->emitted;
        const bool finished = delta.finish_reason != FinishReason::kNone;
        out.finished = finished;
        out.choices.push_back(std::move(delta));
        if (finished) {
          it->timings.finished = EngineClock::now();
          out.timings = it->timings;
        }
        it->sink(std::move(out));
        it = finished ? live_.erase(it) : std::next(it);
      }
    }
  }

  const std::chrono::milliseconds tick_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Live> live_;
  std::vector<std::string> submitted;
  std::vector<std::vector<std::int32_t>> prompts;
  std::vector<std::string> aborted;
  std::vector<std::optional<EngineClock::time_point>> deadlines;
  int rejected_ = 0;
  bool closed_ = false;
  bool stopping_ = false;
  std::atomic<EngineClock::rep> heartbeat_{EngineClock::now().time_since_epoch().count()};
  std::atomic<EngineClock::rep> stall_until_{0};
  std::thread thread_;
};

}  // namespace servir::server::testing
