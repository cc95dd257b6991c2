// Test helpers over StaticBatchRunner: pieces that own their tokens, and a
// step() that returns the logits or records the failure.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/static_batch_runner.h"

namespace servir::testing {

struct BatchPiece {
  int seq = 0;
  std::vector<std::int32_t> tokens;
  bool want_logits_all = false;
};

class SequenceDriver {
 public:
  explicit SequenceDriver(StaticBatchRunner runner) : runner_(std::move(runner)) {}

  std::vector<float> step(const std::vector<BatchPiece>& pieces) {
    std::vector<StaticBatchRunner::Piece> views;
    for (const auto& p : pieces) views.push_back({p.seq, p.tokens, p.want_logits_all});
    std::vector<float> logits;
    status_ = runner_.step(views, logits);
    return logits;
  }
  const Status& status() const { return status_; }

 private:
  StaticBatchRunner runner_;
  Status status_;
};

}  // namespace servir::testing
