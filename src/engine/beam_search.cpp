// Beam search over the engine's sequences. Beams advance in lockstep: each
// beam's logits give its best 2 x width continuations; once every live beam
// has them, the best `width` continuations overall become the new beams
// (a parent with several children forks, sharing its blocks copy-on-write;
// a parent with none is dropped), and continuations that end in a stop token
// become finished hypotheses. The request ends at max_tokens, or when no live
// beam can beat the worst of the best `width` finished hypotheses.
#include <algorithm>
#include <cmath>

#include "engine/engine_impl.h"
#include "engine/logprobs.h"

namespace servir {
namespace {

double length_score(double logprob, std::size_t length, float length_penalty) {
  return logprob / std::pow(static_cast<double>(std::max<std::size_t>(length, 1)), length_penalty);
}

struct Candidate {
  double logprob;  // cumulative
  ChoiceState* parent;
  std::int32_t token;
};

}  // namespace

void Engine::Impl::beam_collect(ChoiceState& beam, std::span<const float> logits) {
  top_logprobs(logits, 2 * beam.request->beam_width, beam.beam_candidates);
  beam.has_candidates = true;
}

void Engine::Impl::beam_expand(RequestState& rs) {
  for (auto& b : rs.choices) {
    if (b->finish == FinishReason::kNone && !b->has_candidates) return;  // a beam is still computing
  }
  const SamplingParams& sp = rs.request.sampling;
  const int width = rs.beam_width;
  const std::size_t length = static_cast<std::size_t>(rs.beam_steps) + 1;
  std::vector<Candidate> all;
  for (auto& b : rs.choices) {
    if (b->finish != FinishReason::kNone) continue;
    for (const auto& [token, lp] : b->beam_candidates) all.push_back({b->beam_logprob + lp, b.get(), token});
    b->has_candidates = false;
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Candidate& a, const Candidate& b) { return a.logprob > b.logprob; });

  auto generated_of = [](const ChoiceState& b) {
    return std::vector<std::int32_t>(b.seq.tokens.begin() + b.seq.prompt_len, b.seq.tokens.end());
  };
  auto is_stop = [&](std::int32_t token) {
    if (static_cast<int>(length) <= sp.min_tokens) return false;
    const auto& stops = sp.stop_token_ids;
    if (std::find(stops.begin(), stops.end(), token) != stops.end()) return true;
    const auto& eos = options_.eos_token_ids;
    return !sp.ignore_eos && std::find(eos.begin(), eos.end(), token) != eos.end();
  };

  std::vector<Candidate> next;
  for (const Candidate& c : all) {
    if (static_cast<int>(next.size()) == width) break;
    if (is_stop(c.token)) {
      BeamHypothesis h{generated_of(*c.parent), c.logprob, 0.0, FinishReason::kStop, c.token};
      h.tokens.push_back(c.token);
      h.score = length_score(h.logprob, h.tokens.size(), sp.length_penalty);
      rs.hypotheses.push_back(std::move(h));
      continue;
    }
    next.push_back(c);
  }
  ++rs.beam_steps;
  rs.completion_tokens = 0;
  if (rs.timings.first_token.time_since_epoch().count() == 0) rs.timings.first_token = EngineClock::now();

  // Done when max_tokens is reached, or when the best live beam cannot beat
  // the worst of the `width` best finished hypotheses any more.
  bool done = next.empty() || rs.beam_steps >= sp.max_tokens ||
              static_cast<std::int64_t>(rs.choices.front()->seq.prompt_len) + rs.beam_steps + 1 > max_model_len_;
  if (!done && static_cast<int>(rs.hypotheses.size()) >= width) {
    std::vector<double> scores;
    for (const auto& h : rs.hypotheses) scores.push_back(h.score);
    std::nth_element(scores.begin(), scores.begin() + (width - 1), scores.end(), std::greater<>());
    const double worst_kept = scores[static_cast<std::size_t>(width - 1)];
    done = length_score(next.front().logprob, length, sp.length_penalty) <= worst_kept;
  }
  if (done) {
    for (const Candidate& c : next) {
      BeamHypothesis h{generated_of(*c.parent), c.logprob, 0.0, FinishReason::kLength, std::nullopt};
      h.tokens.push_back(c.token);
      h.score = length_score(h.logprob, h.tokens.size(), sp.length_penalty);
      rs.hypotheses.push_back(std::move(h));
    }
    beam_finish(rs);
    return;
  }

  // New beams: the first child of a parent continues its sequence, the
  // others fork from it (before it appends) and share its blocks.
  std::vector<std::unique_ptr<ChoiceState>> beams;
  std::vector<std::pair<ChoiceState*, std::int32_t>> continuing;
  for (auto& parent : rs.choices) {
    if (parent->finish != FinishReason::kNone) continue;
    bool first = true;
    for (const Candidate& c : next) {
      if (c.parent != parent.get()) continue;
      if (first) {
        first = false;
        continuing.emplace_back(parent.get(), c.token);
        parent->beam_logprob = c.logprob;
        parent->seq.slots = 1;  // the width reserved at admission is now spread over the beams
        continue;
      }
      auto child = fork_choice(*parent, static_cast<int>(beams.size() + rs.choices.size()));
      child->seq.tokens.push_back(c.token);
      child->beam_logprob = c.logprob;
      beams.push_back(std::move(child));
    }
    if (first) scheduler_.remove(&parent->seq);  // no child: the beam dies
  }
  for (auto& [beam, token] : continuing) beam->seq.tokens.push_back(token);
  std::erase_if(rs.choices, [&](const std::unique_ptr<ChoiceState>& b) {
    return std::none_of(continuing.begin(), continuing.end(), [&](const auto& c) { return c.first == b.get(); });
  });
  for (auto& b : beams) rs.choices.push_back(std::move(b));
  for (std::size_t i = 0; i < rs.choices.size(); ++i) rs.choices[i]->index = static_cast<int>(i);
}

void Engine::Impl::beam_finish(RequestState& rs) {
  const SamplingParams& sp = rs.request.sampling;
  std::stable_sort(rs.hypotheses.begin(), rs.hypotheses.end(),
                   [](const BeamHypothesis& a, const BeamHypothesis& b) { return a.score > b.score; });
  rs.beam_results.clear();
  rs.completion_tokens = 0;
  for (int i = 0; i < sp.n && i < static_cast<int>(rs.hypotheses.size()); ++i) {
    const BeamHypothesis& h = rs.hypotheses[static_cast<std::size_t>(i)];
    ChoiceDelta d;
    d.index = i;
    d.token_ids = h.tokens;
    d.finish_reason = h.reason;
    d.stop_token = h.stop_token;
    d.cumulative_logprob = h.logprob;
    if (tokenizer_ != nullptr) {
      IncrementalDetokenizer detok(*tokenizer_, DecodeOptions{.skip_special_tokens = sp.skip_special_tokens}, true);
      const std::size_t visible = h.tokens.size() - (h.stop_token ? 1 : 0);  // the stop token shows no text
      for (std::size_t t = 0; t < visible; ++t) d.text += detok.push(h.tokens[t]);
      d.text += detok.finish();
    }
    rs.completion_tokens += static_cast<int>(h.tokens.size());
    rs.beam_results.push_back(std::move(d));
  }
  finish_request(rs, rs.beam_results.empty() ? FinishReason::kLength : rs.beam_results.front().finish_reason, {});
}

}  // namespace servir
