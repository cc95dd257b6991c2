// SplitRegex matching: a backtracking matcher with explicit continuations.
#include "tokenizer/split_regex.h"

#include "tokenizer/split_regex_node.h"

namespace servir {
namespace {

using regex_detail::Node;

// What to match after the current item: the rest of a sequence, one more
// round of a repetition, or acceptance.
struct Cont {
  enum class Kind : std::uint8_t { kSeq, kRepeat, kAccept };
  Kind kind;
  const Node* node;
  std::size_t index;  // kSeq: next item; kRepeat: iterations done
  std::size_t start;  // kRepeat: where this iteration began
  const Cont* next;
};

// Patterns come from model files, so they may be hostile: (a*)*b style
// patterns backtrack exponentially and repeated groups recurse once per
// iteration. A matcher therefore has a step budget (linear in the text, far
// above what real split patterns use) and a recursion depth limit; when either
// runs out, matching stops (exhausted()) and split() keeps the rest of the
// text as one piece.
constexpr std::size_t kStepsPerCodePoint = 1000;
constexpr std::size_t kMinSteps = std::size_t{1} << 20;
constexpr int kMaxDepth = 1000;

class Matcher {
 public:
  Matcher(const CodePointText& text, std::size_t end)
      : text_(text), end_(end), steps_left_(kMinSteps + kStepsPerCodePoint * end) {}

  bool exhausted() const { return exhausted_; }

  bool match_seq(const Node* seq, std::size_t index, std::size_t pos, const Cont* k) {
    if (!spend()) return false;
    struct DepthGuard {
      int& depth;
      explicit DepthGuard(int& d) : depth(d) { ++depth; }
      ~DepthGuard() { --depth; }
    } guard(depth_);
    if (depth_ > kMaxDepth) {
      exhausted_ = true;
      return false;
    }
    const auto& items = seq->children;
    while (index < items.size()) {
      const Node* item = items[index];
      switch (item->kind) {
        case Node::Kind::kClass:
          if (pos >= end_ || !item->cls.test(text_.cps[pos], text_.props[pos])) return false;
          ++pos, ++index;
          continue;
        case Node::Kind::kLook: {
          const Cont accept{Cont::Kind::kAccept, nullptr, 0, 0, nullptr};
          if (match_seq(item->children[0], 0, pos, &accept) == item->negative) return false;
          ++index;
          continue;
        }
        case Node::Kind::kAlt: {
          const Cont rest{Cont::Kind::kSeq, seq, index + 1, 0, k};
          for (const Node* branch : item->children) {
            if (match_seq(branch, 0, pos, &rest)) return true;
          }
          return false;
        }
        case Node::Kind::kSeq: {
          const Cont rest{Cont::Kind::kSeq, seq, index + 1, 0, k};
          return match_seq(item, 0, pos, &rest);
        }
        case Node::Kind::kRepeat:
          if (item->single) return match_single_repeat(item, seq, index, pos, k);
          {
            const Cont rest{Cont::Kind::kSeq, seq, index + 1, 0, k};
            return match_repeat(item, 0, pos, &rest);
          }
      }
    }
    return run(k, pos);
  }

  std::size_t result() const { return result_; }

 private:
  bool spend(std::size_t steps = 1) {
    if (exhausted_) return false;
    if (steps_left_ < steps) {
      exhausted_ = true;
      return false;
    }
    steps_left_ -= steps;
    return true;
  }

  bool run(const Cont* k, std::size_t pos) {
    switch (k->kind) {
      case Cont::Kind::kAccept:
        result_ = pos;
        return true;
      case Cont::Kind::kSeq:
        return match_seq(k->node, k->index, pos, k->next);
      case Cont::Kind::kRepeat:
        if (pos == k->start && k->index > k->node->min) return false;  // an empty round: stop looping
        return match_repeat(k->node, k->index, pos, k->next);
    }
    return false;
  }

  // Whether `node` (a single-code-point item) matches the code point at pos.
  bool single_matches(const Node* node, std::size_t pos) {
    switch (node->kind) {
      case Node::Kind::kClass:
        return node->cls.test(text_.cps[pos], text_.props[pos]);
      case Node::Kind::kSeq:
        for (const Node* child : node->children) {
          if (child->kind == Node::Kind::kLook) {
            const Cont accept{Cont::Kind::kAccept, nullptr, 0, 0, nullptr};
            if (match_seq(child->children[0], 0, pos, &accept) == child->negative) return false;
          } else if (!single_matches(child, pos)) {
            return false;
          }
        }
        return true;
      case Node::Kind::kAlt:
        for (const Node* child : node->children) {
          if (single_matches(child, pos)) return true;
        }
        return false;
      case Node::Kind::kRepeat:
        return single_matches(node->children[0], pos);
      case Node::Kind::kLook:
        return false;
    }
    return false;
  }

  bool match_single_repeat(const Node* rep, const Node* seq, std::size_t index, std::size_t pos, const Cont* k) {
    const Node* body = rep->children[0];
    const bool plain_class = body->children.size() == 1 && body->children[0]->kind == Node::Kind::kClass;
    const auto& cls = body->children[0]->cls;
    std::size_t count = 0;
    const std::size_t limit = std::min<std::size_t>(rep->max, end_ - pos);
    if (rep->greedy) {
      if (plain_class) {
        while (count < limit && cls.test(text_.cps[pos + count], text_.props[pos + count])) ++count;
      } else {
        while (count < limit && single_matches(body, pos + count)) ++count;
      }
      if (!spend(count) || count < rep->min) return false;
      for (std::size_t c = count + 1; c-- > rep->min;) {
        if (match_seq(seq, index + 1, pos + c, k)) return true;
        if (exhausted_) return false;
      }
      return false;
    }
    for (std::size_t c = 0;; ++c) {
      if (c >= rep->min && match_seq(seq, index + 1, pos + c, k)) return true;
      if (c >= limit || !single_matches(body, pos + c)) return false;
    }
  }

  bool match_repeat(const Node* rep, std::size_t done, std::size_t pos, const Cont* k) {
    const Cont again{Cont::Kind::kRepeat, rep, done + 1, pos, k};
    if (rep->greedy) {
      if (done < rep->max && match_seq(rep->children[0], 0, pos, &again)) return true;
      return done >= rep->min && run(k, pos);
    }
    if (done >= rep->min && run(k, pos)) return true;
    return done < rep->max && match_seq(rep->children[0], 0, pos, &again);
  }

  const CodePointText& text_;
  std::size_t end_;
  std::size_t result_ = 0;
  std::size_t steps_left_;
  int depth_ = 0;
  bool exhausted_ = false;
};

}  // namespace

SplitRegex::SplitRegex(SplitRegex&&) noexcept = default;
SplitRegex& SplitRegex::operator=(SplitRegex&&) noexcept = default;
SplitRegex::~SplitRegex() = default;

std::size_t SplitRegex::match_at(const CodePointText& text, std::size_t pos, std::size_t end) const {
  Matcher matcher(text, end);
  const Cont accept{Cont::Kind::kAccept, nullptr, 0, 0, nullptr};
  return matcher.match_seq(root_, 0, pos, &accept) ? matcher.result() : SIZE_MAX;
}

void SplitRegex::split(const CodePointText& text, std::size_t begin, std::size_t end,
                       std::vector<std::uint32_t>& ends) const {
  Matcher matcher(text, end);
  const Cont accept{Cont::Kind::kAccept, nullptr, 0, 0, nullptr};
  std::size_t gap_start = begin;
  std::size_t pos = begin;
  while (pos < end) {
    const bool matched = matcher.match_seq(root_, 0, pos, &accept);
    if (matcher.exhausted()) break;
    if (matched && matcher.result() > pos) {
      if (gap_start < pos) ends.push_back(static_cast<std::uint32_t>(pos));
      pos = matcher.result();
      ends.push_back(static_cast<std::uint32_t>(pos));
      gap_start = pos;
    } else {
      ++pos;
    }
  }
  if (gap_start < end) ends.push_back(static_cast<std::uint32_t>(end));
}

}  // namespace servir
