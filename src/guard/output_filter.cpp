#include "guard/output_filter.h"

#include <algorithm>

namespace servir::guard {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
// What separates the groups of a card, IBAN or phone number.
bool is_group_separator(char c) { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// A short group with a digit ("4111", "(495)", "ES91", "+7") may be the
// front of a number still being written.
bool number_group(std::string_view group) {
  return !group.empty() && group.size() <= 6 && std::any_of(group.begin(), group.end(), is_digit);
}

GuardVerdict collect(std::vector<GuardDecision> decisions) {
  GuardVerdict v;
  for (auto& d : decisions) {
    v.action = std::max(v.action, d.action);
    v.score = std::max(v.score, d.finding.score);
    v.decisions.push_back(std::move(d));
  }
  return v;
}

}  // namespace

OutputFilter::OutputFilter(const Guard& guard, const DirectionPolicy& policy, int choice_index,
                           OutputFilterOptions options)
    : guard_(guard),
      policy_(policy),
      choice_index_(choice_index),
      options_(options),
      holds_back_(policy.max_action() >= GuardAction::kRedact ||
                  (options.restore != nullptr && !options.restore->empty())) {}

std::size_t OutputFilter::hold_start(std::string_view pending) const {
  std::size_t p = pending.size();
  while (p > 0 && !is_space(pending[p - 1])) --p;  // the word being written
  for (;;) {                                       // number groups before it
    std::size_t q = p;
    int separators = 0;
    while (q > 0 && separators < 2 && is_group_separator(pending[q - 1])) {
      --q;
      ++separators;
    }
    if (separators == 0 || q == 0) break;
    std::size_t g = q;
    while (g > 0 && !is_space(pending[g - 1]) && !is_group_separator(pending[g - 1])) --g;
    if (!number_group(pending.substr(g, q - g))) break;
    p = g;
  }
  if (pending.size() - p > options_.max_hold_bytes) {
    p = pending.size() - options_.max_hold_bytes;
    while (p < pending.size() && is_continuation(pending[p])) ++p;
  }
  return p;
}

std::string OutputFilter::emit(std::string_view raw, std::size_t raw_offset,
                               const std::vector<const GuardDecision*>& redactions) {
  // Input placeholders are restored in the model's own text only, never in
  // what this filter redacted (an output [EMAIL_1] is not the input's).
  const auto restored = [this](std::string_view s) {
    return options_.restore != nullptr ? options_.restore->restore(s) : std::string(s);
  };
  std::string out;
  std::size_t at = 0;
  for (const GuardDecision* d : redactions) {
    const std::size_t start = std::clamp(d->finding.start, raw_offset + at, raw_offset + raw.size()) - raw_offset;
    const std::size_t end = std::clamp(d->finding.end, raw_offset + start, raw_offset + raw.size()) - raw_offset;
    if (end <= start) continue;
    out += restored(raw.substr(at, start - at));
    out += output_redactor_.placeholder(d->finding, raw.substr(start, end - start));
    at = end;
  }
  out += restored(raw.substr(at));
  return out;
}

OutputFilter::Step OutputFilter::advance(bool at_end) {
  Step step;
  if (blocked_) return step;
  const std::string window = context_ + pending_;
  const std::size_t ctx_len = context_.size();
  Guard::CheckOptions check_options{
      .direction = Direction::kOutput, .source = TextSource::kModelOutput, .part_index = choice_index_};
  auto check = guard_.check(window, policy_, check_options);

  std::size_t cut = at_end ? pending_.size() : hold_start(pending_);
  std::size_t block_at = pending_.size() + 1;
  for (const auto& d : check.verdict.decisions) {
    if (d.finding.end <= ctx_len) continue;  // wholly in text already released
    const std::size_t start = d.finding.start > ctx_len ? d.finding.start - ctx_len : 0;
    if (d.action == GuardAction::kBlock) block_at = std::min(block_at, start);
    if (d.action < GuardAction::kRedact || at_end) continue;
    const bool touches_end = d.finding.end >= window.size();
    const bool unterminated_key =
        d.finding.type == "PRIVATE_KEY" && window.find("-----END", d.finding.start) == std::string::npos;
    if (touches_end || unterminated_key) cut = std::min(cut, start);
  }
  if (block_at <= pending_.size()) {
    cut = block_at;
    blocked_ = true;
    step.blocked = true;
  } else if (!at_end && options_.restore != nullptr && !options_.restore->empty()) {
    // A '[' near the cut with no ']' after it may be half a placeholder.
    const std::size_t from =
        cut > options_.restore->longest_placeholder() ? cut - options_.restore->longest_placeholder() : 0;
    const std::size_t open = pending_.rfind('[', cut == 0 ? 0 : cut - 1);
    if (open != std::string::npos && open >= from && pending_.find(']', open) >= cut) cut = open;
  }

  // Decisions whose spans are now final, in window offsets; each reported once.
  std::vector<GuardDecision> final_decisions;
  for (auto& d : check.verdict.decisions) {
    if (d.finding.end <= ctx_len) continue;
    const std::size_t start = d.finding.start > ctx_len ? d.finding.start - ctx_len : 0;
    const std::size_t end = d.finding.end - ctx_len;
    // The finding that blocks is reported though it reaches past the cut.
    const bool blocking = step.blocked && d.action == GuardAction::kBlock && start == cut;
    if (end > cut && !blocking) continue;
    const std::size_t abs_start = released_raw_ + d.finding.start - ctx_len;  // may reach into released text
    const std::size_t abs_end = released_raw_ + end;
    if (!reported_.emplace(abs_start, abs_end, d.finding.rule).second) continue;
    final_decisions.push_back(d);
  }
  std::vector<const GuardDecision*> redactions;
  for (const auto& d : final_decisions) {
    if (d.action == GuardAction::kRedact) redactions.push_back(&d);
  }
  std::sort(redactions.begin(), redactions.end(),
            [](const GuardDecision* a, const GuardDecision* b) { return a->finding.start < b->finding.start; });
  step.released = emit(std::string_view(window).substr(ctx_len, cut), ctx_len, redactions);
  for (auto& d : final_decisions) {
    // Offsets into the choice's whole output.
    d.finding.start = released_raw_ + d.finding.start - ctx_len;
    d.finding.end = released_raw_ + d.finding.end - ctx_len;
  }
  step.verdict = collect(std::move(final_decisions));
  step.verdict.scan_seconds = check.verdict.scan_seconds;

  context_ += pending_.substr(0, cut);
  if (context_.size() > options_.context_bytes) {
    std::size_t drop = context_.size() - options_.context_bytes;
    while (drop < context_.size() && is_continuation(context_[drop])) ++drop;
    context_.erase(0, drop);
  }
  released_raw_ += cut;
  pending_.erase(0, cut);
  if (blocked_) pending_.clear();
  return step;
}

OutputFilter::Step OutputFilter::push(std::string_view delta) {
  if (blocked_) return {};
  if (!holds_back_) {
    const std::size_t room = guard_.config().limits().max_scan_bytes + 1;
    if (whole_.size() < room) whole_.append(delta.substr(0, room - whole_.size()));
    return Step{.released = std::string(delta)};
  }
  pending_.append(delta);
  return advance(/*at_end=*/false);
}

OutputFilter::Step OutputFilter::finish() {
  if (blocked_) return {};
  if (!holds_back_) {
    Step step;
    if (!policy_.active() || whole_.empty()) return step;
    Guard::CheckOptions check_options{
        .direction = Direction::kOutput, .source = TextSource::kModelOutput, .part_index = choice_index_};
    step.verdict = guard_.check(whole_, policy_, check_options).verdict;
    whole_.clear();
    return step;
  }
  return advance(/*at_end=*/true);
}

}  // namespace servir::guard
