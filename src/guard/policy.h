// Guard policies: what each scanner's findings lead to, per API key and per
// direction (the prompt going in, the answer coming out).
//
// A policy file (--guard-config, YAML; reloaded on SIGHUP):
//
//   limits:
//     max_scan_bytes: 1048576   # bytes of one text a scanner reads; more is SCAN_INCOMPLETE
//     scan_timeout_ms: 100      # per text and scanner
//   default_policy: strict      # the policy of keys not listed (and of a server without keys);
//                               # absent: the policy named "default", else the first one
//   policies:
//     strict:
//       input:
//         restore: true         # placeholders in the answer are mapped back for the same request
//         injection: {action: block, threshold: 0.5}
//         pii:
//           action: redact
//           types: {CREDIT_CARD: block, IP_ADDRESS: flag}   # per-type overrides
//           allow: ["support@example.com"]                  # matched text never acted on
//         secrets: redact       # shorthand for {action: redact}
//         moderation: {action: block, categories: [S1, S3, S4, S9, S11]}
//       output:
//         pii: redact
//         secrets: block        # the stream stops with finish_reason "content_filter"
//     internal:
//       extends: strict         # start from another policy, then override
//       keys: [a1b2c3d4, e5f6a7b8]   # key ids: the first 8 hex digits of SHA-256(key)
//       input: {pii: flag}
//
// Actions, in increasing severity: off (not scanned), flag (X-Servir-Guard
// header, audit record, metric), redact (the span is replaced by a typed
// placeholder such as [EMAIL_1]), block (input: 400 content_policy_violation;
// output: the choice stops with finish_reason "content_filter"). A finding
// below its scanner's threshold, or whose text is allow-listed, is ignored.
// SCAN_INCOMPLETE findings (a bound was hit) take the type override of that
// name, else the scanner's action: a strict policy refuses what it could not
// read fully. A scanner a direction does not name is off.
//
// Unknown keys, actions, scanners and policies are refused with the path of
// the offending node: a typo in a security policy must not pass silently.
//
// With no file, the default is flag-only: every rule scanner flags, in both
// directions (injection on input only), nothing is changed or refused.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "guard/finding.h"
#include "util/status.h"

namespace servir::guard {

enum class GuardAction : std::uint8_t { kOff, kFlag, kRedact, kBlock };  // by severity
std::string_view action_name(GuardAction action);                        // "off" | "flag" | "redact" | "block"
bool parse_action(std::string_view name, GuardAction& action);

enum class Direction : std::uint8_t { kInput, kOutput };
std::string_view direction_name(Direction direction);  // "input" | "output"

struct ScannerRule {
  GuardAction action = GuardAction::kOff;
  double threshold = 0.5;                           // findings scoring less are ignored
  std::map<std::string, GuardAction> type_actions;  // finding type -> action, overriding `action`
  std::vector<std::string> allow;                   // matched texts never acted on (exact)
  std::vector<std::string> categories;              // moderation: the codes that count; empty: all

  // The action for one finding of this scanner (kOff when ignored).
  GuardAction action_for(const Finding& finding, std::string_view matched_text) const;
  // The most severe action any finding could get.
  GuardAction max_action() const;
};

struct DirectionPolicy {
  std::array<ScannerRule, kScannerKindCount> scanners;
  bool restore = false;  // input only

  const ScannerRule& rule(ScannerKind kind) const { return scanners[static_cast<std::size_t>(kind)]; }
  ScannerRule& rule(ScannerKind kind) { return scanners[static_cast<std::size_t>(kind)]; }
  bool active() const;  // some scanner is not off
  GuardAction max_action() const;
};

struct GuardPolicy {
  std::string name;
  DirectionPolicy input;
  DirectionPolicy output;

  const DirectionPolicy& direction(Direction d) const { return d == Direction::kInput ? input : output; }
};

struct GuardLimits {
  std::size_t max_scan_bytes = std::size_t{1} << 20;
  std::chrono::milliseconds scan_timeout{100};
};

class GuardConfig {
 public:
  // The default with no --guard-config: one flag-only policy.
  static GuardConfig flag_only();
  // Errors: kInvalidArgument naming the node ("policies.strict.input.pii.action: ...").
  static Result<GuardConfig> parse(std::string_view yaml_text);
  // Errors: kIoError, kInvalidArgument.
  static Result<GuardConfig> load(const std::string& path);

  const GuardPolicy& policy_for_key(std::string_view key_id) const;
  const GuardPolicy* find_policy(std::string_view name) const;
  const GuardPolicy& default_policy() const { return policies_[default_index_]; }
  const GuardLimits& limits() const { return limits_; }
  const std::vector<GuardPolicy>& policies() const { return policies_; }
  // Whether any policy uses the moderation scanner (then a --guard-model is needed).
  bool uses_moderation() const;

 private:
  GuardLimits limits_;
  std::vector<GuardPolicy> policies_;
  std::size_t default_index_ = 0;
  std::unordered_map<std::string, std::size_t> key_policy_;
};

}  // namespace servir::guard
