#include "engine/static_batch_runner.h"

#include <algorithm>

namespace servir {

Result<StaticBatchRunner> StaticBatchRunner::create(TransformerModel& model, KvCache& cache,
                                                    kernels::KernelContext& ctx, int n_seqs) {
  if (n_seqs <= 0) return make_error(ErrorCode::kInvalidArgument, "need at least one sequence");
  const std::int64_t blocks = cache.n_blocks() / n_seqs;
  if (blocks <= 0) {
    return make_error(ErrorCode::kResourceExhausted, "{} KV blocks cannot give each of {} sequences a block",
                      cache.n_blocks(), n_seqs);
  }
  return StaticBatchRunner(model, cache, ctx, n_seqs, static_cast<int>(std::min<std::int64_t>(blocks, 1 << 20)));
}

StaticBatchRunner::StaticBatchRunner(TransformerModel& model, KvCache& cache, kernels::KernelContext& ctx, int n_seqs,
                                     int blocks_per_seq)
    : model_(&model),
      cache_(&cache),
      ctx_(&ctx),
      blocks_per_seq_(blocks_per_seq),
      capacity_(std::min<std::int64_t>(static_cast<std::int64_t>(blocks_per_seq) * cache.block_size(),
                                       model.config().context_length)),
      lengths_(static_cast<std::size_t>(n_seqs), 0),
      tables_(static_cast<std::size_t>(n_seqs) * static_cast<std::size_t>(blocks_per_seq)) {
  for (std::size_t i = 0; i < tables_.size(); ++i) tables_[i] = static_cast<std::int32_t>(i);
}

void StaticBatchRunner::reset_all() { std::fill(lengths_.begin(), lengths_.end(), 0); }

Status StaticBatchRunner::step(std::span<const Piece> pieces, std::vector<float>& logits) {
  tokens_.clear();
  seqs_.clear();
  positions_.clear();
  rows_.clear();
  for (const auto& p : pieces) {
    if (p.seq < 0 || p.seq >= n_seqs()) {
      return make_error(ErrorCode::kInvalidArgument, "sequence {} of {}", p.seq, n_seqs());
    }
    const std::int64_t start = lengths_[static_cast<std::size_t>(p.seq)];
    if (start + static_cast<std::int64_t>(p.tokens.size()) > capacity_) {
      return make_error(ErrorCode::kContextLengthExceeded, "sequence {} would reach {} tokens; it holds {}", p.seq,
                        start + static_cast<std::int64_t>(p.tokens.size()), capacity_);
    }
    for (std::size_t i = 0; i < p.tokens.size(); ++i) {
      if (p.all_logits || i + 1 == p.tokens.size()) rows_.push_back(static_cast<std::int32_t>(tokens_.size()));
      tokens_.push_back(p.tokens[i]);
      seqs_.push_back(p.seq);
      positions_.push_back(static_cast<std::int32_t>(start + static_cast<std::int64_t>(i)));
    }
  }
  logits.resize(rows_.size() * static_cast<std::size_t>(model_->config().vocab_size));
  const ForwardBatch batch{tokens_, seqs_, positions_, tables_, blocks_per_seq_, rows_};
  if (Status st = model_->forward(*ctx_, batch, *cache_, logits.data()); !st.ok()) return st;
  for (const auto& p : pieces) lengths_[static_cast<std::size_t>(p.seq)] += static_cast<std::int64_t>(p.tokens.size());
  return {};
}

Status StaticBatchRunner::prefill(int seq, std::span<const std::int32_t> tokens, std::vector<float>& logits,
                                  bool all_logits) {
  const auto vocab = static_cast<std::size_t>(model_->config().vocab_size);
  // With all_logits every token is a logit row, so chunks are also bounded
  // by the rows one step may return.
  const std::int64_t chunk = all_logits ? std::min(model_->options().max_batch_tokens, model_->options().max_logit_rows)
                                        : model_->options().max_batch_tokens;
  logits.clear();
  for (std::size_t begin = 0; begin < tokens.size(); begin += static_cast<std::size_t>(chunk)) {
    const std::size_t n = std::min(tokens.size() - begin, static_cast<std::size_t>(chunk));
    const Piece piece{seq, tokens.subspan(begin, n), all_logits};
    if (Status st = step(std::span(&piece, 1), chunk_logits_); !st.ok()) return st;
    if (all_logits) {
      logits.insert(logits.end(), chunk_logits_.begin(), chunk_logits_.end());
    } else if (begin + n == tokens.size()) {
      logits.assign(chunk_logits_.end() - static_cast<std::ptrdiff_t>(vocab), chunk_logits_.end());
    }
  }
  return {};
}

}  // namespace servir
