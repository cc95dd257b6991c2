// The guard: runs the scanners a policy enables over one text and turns
// their findings into decisions (flag, redact, block) under that policy.
//
// A Guard is immutable: a reloaded policy file (SIGHUP) is a new Guard over
// the same scanners, swapped in by the server; requests in flight keep the
// one they started with. check() is safe from any number of threads.
//
// The moderation scanner is not run here: it asks a model and is
// asynchronous (moderation.h); its verdicts come back as findings that
// decide() turns into decisions like any other.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "guard/finding.h"
#include "guard/policy.h"
#include "guard/redaction.h"
#include "guard/scanner.h"

namespace servir::guard {

// The rule scanners (injection, PII, secrets), built once per process.
struct ScannerSet {
  std::array<std::unique_ptr<Scanner>, kScannerKindCount> by_kind;  // the moderation slot stays empty

  static std::shared_ptr<const ScannerSet> make_default();
  const Scanner* get(ScannerKind kind) const { return by_kind[static_cast<std::size_t>(kind)].get(); }
};

// One finding that a policy acts on.
struct GuardDecision {
  Finding finding;
  GuardAction action = GuardAction::kFlag;
  Direction direction = Direction::kInput;
  TextSource source = TextSource::kUserMessage;
  int part_index = 0;          // input: messages[i] or prompt i; output: the choice index
  std::string matched_sha256;  // hex SHA-256 of the matched text: what the audit log keeps
};

// The outcome for a text (or for a request, when merged over its texts).
struct GuardVerdict {
  GuardAction action = GuardAction::kOff;  // the most severe decision; kOff: allow
  double score = 0.0;                      // highest score of any finding, acted on or not
  std::vector<GuardDecision> decisions;
  double scan_seconds = 0.0;

  void merge(GuardVerdict&& other);
  // "allow" | "flag" | "redact" | "block".
  std::string_view action_word() const;
  // The first blocking decision, or null.
  const GuardDecision* first_block() const;
};

class Guard {
 public:
  Guard(std::shared_ptr<const GuardConfig> config, std::shared_ptr<const ScannerSet> scanners);

  const GuardConfig& config() const { return *config_; }
  const GuardPolicy& policy_for_key(std::string_view key_id) const { return config_->policy_for_key(key_id); }

  struct CheckOptions {
    Direction direction = Direction::kInput;
    TextSource source = TextSource::kUserMessage;
    int part_index = 0;
    const std::vector<std::string>* special_tokens = nullptr;
    // Where redactions go; null: a redact decision leaves `redacted` unset.
    Redactor* redactor = nullptr;
    // Every raw finding (before thresholds), for `servir guard scan`.
    std::vector<Finding>* raw_findings = nullptr;
  };
  struct CheckResult {
    GuardVerdict verdict;
    bool redacted_changed = false;
    std::string redacted;  // when redacted_changed: the text with placeholders
  };
  // Runs the rule scanners `policy` enables over `text`.
  CheckResult check(std::string_view text, const DirectionPolicy& policy, const CheckOptions& options) const;

  // Turns findings (from any scanner, e.g. moderation) into decisions.
  GuardVerdict decide(std::string_view text, const std::vector<Finding>& findings, const DirectionPolicy& policy,
                      const CheckOptions& options) const;

 private:
  std::shared_ptr<const GuardConfig> config_;
  std::shared_ptr<const ScannerSet> scanners_;
};

// Byte offset -> Unicode code point offset in `text` (invalid bytes count
// one each), for output that reports offsets as Presidio does.
std::size_t code_point_offset(std::string_view text, std::size_t byte_offset);

}  // namespace servir::guard
