// Scans one choice's streamed output and redacts it, cuts it, or maps the
// request's input placeholders back, without sending anything it may still
// have to change.
//
// The model's text arrives in token-sized deltas; a card number or a key may
// be split over many of them. push() holds back only what could still be
// (part of) a finding: the trailing word, the number groups right before it
// ("4111 1111 1111 1" is one run), a finding that touches the end of the
// text seen so far (it may still grow: "sk-proj-abc..." or a PEM block
// without its END line), and a '[' that may begin one of the request's
// placeholders. Everything before that is final: redacted (typed
// placeholders of its own), restored, and released. The scanners see the
// pending text with up to `context_bytes` of already released text before
// it, so context words and word boundaries work across the cut.
//
// A block decision ends the choice: the text before the finding is
// released, and `blocked` is set (the caller stops the choice with
// finish_reason "content_filter"). Decisions are reported once each, when
// their span is final, with offsets into the choice's whole output.
//
// When the output policy only flags, nothing is held back: the text is
// released as it comes and scanned once, whole, at finish().
//
// Not thread-safe: one filter per choice, used on that request's strand.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "guard/guard.h"
#include "guard/redaction.h"

namespace servir::guard {

struct OutputFilterOptions {
  std::size_t context_bytes = 64;     // released text the scanners see again
  std::size_t max_hold_bytes = 256;   // the trailing run is released past this (open findings still hold)
  const Redactor* restore = nullptr;  // the input's placeholders, mapped back (restore: true)
};

class OutputFilter {
 public:
  OutputFilter(const Guard& guard, const DirectionPolicy& policy, int choice_index, OutputFilterOptions options);

  struct Step {
    std::string released;  // text to send now (may be empty)
    bool blocked = false;  // the choice must stop here (content_filter)
    GuardVerdict verdict;  // decisions that became final in this step
  };
  Step push(std::string_view delta);
  Step finish();  // end of the choice: everything left is final

  bool blocked() const { return blocked_; }
  // Whether the filter changes the stream (redact/block/restore), or only flags.
  bool holds_back() const { return holds_back_; }

 private:
  Step advance(bool at_end);
  std::size_t hold_start(std::string_view pending) const;
  std::string emit(std::string_view raw, std::size_t raw_offset, const std::vector<const GuardDecision*>& redactions);

  const Guard& guard_;
  const DirectionPolicy& policy_;
  const int choice_index_;
  const OutputFilterOptions options_;
  const bool holds_back_;
  std::string context_;           // tail of released model text
  std::string pending_;           // model text not released yet
  std::size_t released_raw_ = 0;  // model bytes released so far (offset of pending_[0])
  std::string whole_;             // flag-only: the text so far, scanned at finish()
  Redactor output_redactor_;
  std::set<std::tuple<std::size_t, std::size_t, std::string>> reported_;
  bool blocked_ = false;
};

}  // namespace servir::guard
