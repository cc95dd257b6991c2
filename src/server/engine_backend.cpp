// The only file of the transport that calls the Engine itself.
#include "engine/engine.h"
#include "server/generation_backend.h"

namespace servir::server {
namespace {

class EngineBackend final : public GenerationBackend {
 public:
  explicit EngineBackend(std::unique_ptr<Engine> engine) : engine_(std::move(engine)) {}
  ~EngineBackend() override { engine_->stop(); }

  Status submit(GenerationRequest request, OutputSink sink) override {
    return engine_->submit(std::move(request), std::move(sink));
  }
  void abort(std::string_view request_id) override { engine_->abort(request_id); }
  void close_admission() override { engine_->close_admission(); }
  int live_requests() const override { return engine_->live_requests(); }
  EngineStats stats() const override { return engine_->stats(); }
  std::vector<FinishedRequestSample> drain_finished_samples() override { return engine_->drain_finished_samples(); }
  EngineClock::time_point heartbeat() const override { return engine_->heartbeat(); }
  void stop() override { engine_->stop(); }
  void stall_for_testing(std::chrono::milliseconds duration) override { engine_->stall_for_testing(duration); }

 private:
  std::unique_ptr<Engine> engine_;
};

}  // namespace

std::unique_ptr<GenerationBackend> make_engine_backend(std::unique_ptr<Engine> engine) {
  return std::make_unique<EngineBackend>(std::move(engine));
}

}  // namespace servir::server
