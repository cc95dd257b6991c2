// The injection scanner's rule table and its matcher.
//
// Rules are RE2 patterns over the normalized view of text_normalizer.h:
// case-folded, Latin diacritics dropped (é -> e, ñ -> n), ё -> е, one space
// between words. They are grouped in families; a family and a language make
// the rule id ("injection.override.en", "injection.exfiltrate.ru"), with a
// suffix where one family has rules of different strength
// ("injection.override.en.weak"). Several rules may share an id.
//
// Families (finding type in brackets):
//   override     [PROMPT_INJECTION] "ignore/forget all previous instructions"
//   new_instructions [PROMPT_INJECTION] "from now on you are", "your new task is"
//   exfiltrate   [PROMPT_INJECTION] "reveal your system prompt", "repeat the text above"
//   jailbreak    [JAILBREAK] DAN, developer mode, "no restrictions", stay in character
//   marker       [ROLE_MARKER] chat-template and role delimiters spelled in content
//   indirect     [PROMPT_INJECTION] instructions addressed to the AI inside data
//   meta         (no finding) talk *about* injection/jailbreaks: lowers scores
//
// Every rule has two base scores: for user text and for tool results (where
// instructions aimed at the model are indirect injection and count more).
//
// Matching: one RE2::Set pass over the view finds the rules' literal atoms
// (RE2's FilteredRE2); only rules whose atoms all occur run, one pass each,
// for their spans. Linear in the text; long texts go in chunks of
// ~2 KB cut at line ends, so a rule scans only the chunks with its atoms.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace servir::guard {

enum class RuleFamily : std::uint8_t {
  kOverride,
  kNewInstructions,
  kExfiltrate,
  kJailbreak,
  kMarker,
  kIndirect,
  kMeta
};

struct InjectionRule {
  std::string id;
  RuleFamily family = RuleFamily::kOverride;
  double score_user = 0.0;  // base score in user text
  double score_tool = 0.0;  // base score in a tool result (indirect injection)
  std::string pattern;      // RE2 over the normalized view
};

// The finding type of a family: PROMPT_INJECTION, JAILBREAK or ROLE_MARKER.
std::string_view rule_family_type(RuleFamily family);

// The built-in rules, in every language.
std::vector<InjectionRule> default_injection_rules();

// One match of one rule in a normalized view: bytes [start, end) of the view.
struct RuleHit {
  std::size_t rule = 0;  // index into the matcher's rules
  std::size_t start = 0;
  std::size_t end = 0;
};

// Compiles the rules once; match() is const and thread-safe (RE2 is).
class RuleMatcher {
 public:
  explicit RuleMatcher(std::vector<InjectionRule> rules);
  ~RuleMatcher();
  RuleMatcher(const RuleMatcher&) = delete;
  RuleMatcher& operator=(const RuleMatcher&) = delete;

  const std::vector<InjectionRule>& rules() const { return rules_; }
  // Rules whose pattern failed to compile (ids); empty in a healthy build.
  const std::vector<std::string>& broken_rules() const { return broken_; }

  // Appends the hits in `view` (at most `max_hits_per_rule` per rule and
  // chunk), spans trimmed of leading/trailing spaces and punctuation.
  // Returns the bytes of `view` matched: less than its size when `deadline`
  // passed between two chunks.
  std::size_t match(
      std::string_view view, std::vector<RuleHit>& hits, std::size_t max_hits_per_rule = 8,
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max()) const;

 private:
  struct Compiled;
  static constexpr std::size_t kChunkBytes = 2048;

  void match_chunk(std::string_view view, std::size_t offset, std::vector<RuleHit>& hits,
                   std::size_t max_hits_per_rule) const;

  std::vector<InjectionRule> rules_;
  std::vector<std::string> broken_;
  std::size_t atom_count_ = 0;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace servir::guard
