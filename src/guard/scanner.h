// The one interface every guard scanner implements: text in, findings out.
//
// Scanners are immutable once built and safe to call from many threads at
// once. Each runs in time linear in the text (RE2 or hand-written automata,
// never a backtracking regex) and honours two bounds from ScanContext: it
// looks at no more than `max_bytes` of the text and stops at `deadline`.
// Hitting either bound is reported as a SCAN_INCOMPLETE finding (never a
// silent pass), so a strict policy can refuse what was not fully read.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "guard/finding.h"

namespace servir::guard {

// Where the text came from. Content the user pastes or a tool returns is
// untrusted data: the injection scanner reads instructions aimed at the
// model there as indirect injection.
enum class TextSource : std::uint8_t {
  kUserMessage,    // a user turn, or a completions prompt
  kSystemMessage,  // the operator's system prompt (trusted; scanned only for PII/secrets)
  kToolMessage,    // a tool result or function output (untrusted data)
  kAssistantMessage,
  kModelOutput,  // what the model generates (the output direction)
};

struct ScanContext {
  TextSource source = TextSource::kUserMessage;
  std::size_t max_bytes = std::size_t{1} << 20;  // bytes of the text a scanner reads, at most
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // The model's special-token strings ("<|im_start|>", "[INST]", ...): user
  // text that spells one is a ROLE_MARKER/SPECIAL_TOKEN finding. Optional.
  const std::vector<std::string>* special_tokens = nullptr;

  bool past_deadline() const { return std::chrono::steady_clock::now() >= deadline; }
};

class Scanner {
 public:
  virtual ~Scanner() = default;
  virtual ScannerKind kind() const = 0;
  // Appends this scanner's findings for `text` to `out` (in no particular
  // order). Adds one SCAN_INCOMPLETE finding when a bound was hit.
  virtual void scan(std::string_view text, const ScanContext& ctx, std::vector<Finding>& out) const = 0;
};

// The SCAN_INCOMPLETE finding a scanner adds when it stops at a bound,
// spanning [stopped_at, text_size).
Finding incomplete_scan_finding(ScannerKind kind, std::size_t stopped_at, std::size_t text_size);

}  // namespace servir::guard
