#include "guard/injection_rules.h"

#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>

#include "guard/injection_rule_tables.h"

namespace servir::guard {

namespace injection_tables {
void add_rule(std::vector<InjectionRule>& rules, std::string id, RuleFamily family, double score_user,
              std::string pattern, double score_tool) {
  if (score_tool < 0) score_tool = std::min(0.95, score_user + 0.1);
  // RE2's \w is ASCII-only: rules mean a letter of any script.
  for (std::size_t at = pattern.find("\\w"); at != std::string::npos; at = pattern.find("\\w", at)) {
    if (at > 0 && pattern[at - 1] == '\\') {
      at += 2;
      continue;
    }
    pattern.replace(at, 2, "[\\pL\\pN_]");
    at += 9;
  }
  rules.push_back(InjectionRule{.id = std::move(id),
                                .family = family,
                                .score_user = score_user,
                                .score_tool = score_tool,
                                .pattern = std::move(pattern)});
}
}  // namespace injection_tables

std::string_view rule_family_type(RuleFamily family) {
  switch (family) {
    case RuleFamily::kJailbreak:
      return "JAILBREAK";
    case RuleFamily::kMarker:
      return "ROLE_MARKER";
    default:
      return "PROMPT_INJECTION";
  }
}

std::vector<InjectionRule> default_injection_rules() {
  std::vector<InjectionRule> rules;
  injection_tables::add_english(rules);
  injection_tables::add_spanish(rules);
  injection_tables::add_russian(rules);
  injection_tables::add_international(rules);
  injection_tables::add_markers(rules);
  injection_tables::add_classics(rules);
  return rules;
}

namespace {

re2::RE2::Options rule_options() {
  re2::RE2::Options options;
  options.set_encoding(re2::RE2::Options::EncodingUTF8);
  options.set_log_errors(false);
  // Per rule: a third for the program, the rest for its lazily built DFA.
  // At 2 MB the DFAs of busy rules reset their caches and scans run at half
  // the speed; the DFAs fill only with states the texts actually reach.
  options.set_max_mem(std::int64_t{8} << 20);
  return options;
}

// Spans are trimmed of what boundary groups and separators pulled in.
bool trimmable(unsigned char c) {
  return c == ' ' || c == '\n' || c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '-' ||
         c == '"' || c == '\'' || c == '(' || c == ')';
}

}  // namespace

// Two stages, both linear: an RE2::Set of the literal atoms FilteredRE2
// extracts from the rules ("ignore", "instructions", ...) finds which atoms
// occur; FilteredRE2 turns that into the rules that can match; only those
// run, one pass each. One big RE2::Set of all rules would need a DFA whose
// states hold every rule's threads: it rebuilt states on every new text
// (~10 us/byte), where the atom set is an Aho-Corasick automaton.
struct RuleMatcher::Compiled {
  re2::FilteredRE2 filter{3};
  std::vector<std::size_t> filter_to_rule;  // filter id -> rule index
  std::unique_ptr<re2::RE2::Set> atoms;     // null when there are none
};

RuleMatcher::RuleMatcher(std::vector<InjectionRule> rules) : rules_(std::move(rules)), compiled_(new Compiled) {
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    int id = -1;
    const re2::RE2::ErrorCode code = compiled_->filter.Add(rules_[i].pattern, rule_options(), &id);
    if (code != re2::RE2::NoError) {
      re2::RE2 probe(rules_[i].pattern, rule_options());
      broken_.push_back(rules_[i].id + ": " + probe.error());
      continue;
    }
    compiled_->filter_to_rule.push_back(i);
  }
  std::vector<std::string> atoms;
  compiled_->filter.Compile(&atoms);
  // RE2 builds the reverse program (which finds where a match starts) on
  // first use; build it now so the first texts do not pay for it under
  // their deadline.
  for (int i = 0; i < compiled_->filter.NumRegexps(); ++i) (void)compiled_->filter.GetRE2(i).ReverseProgramSize();
  if (!atoms.empty()) {
    re2::RE2::Options options = rule_options();
    options.set_max_mem(std::int64_t{64} << 20);
    compiled_->atoms = std::make_unique<re2::RE2::Set>(options, re2::RE2::UNANCHORED);
    for (const std::string& atom : atoms) compiled_->atoms->Add(re2::RE2::QuoteMeta(atom), nullptr);
    if (!compiled_->atoms->Compile()) {
      broken_.push_back("atom set: compile failed");
      compiled_->atoms.reset();
    }
  }
  atom_count_ = atoms.size();
}

RuleMatcher::~RuleMatcher() = default;

std::size_t RuleMatcher::match(std::string_view view, std::vector<RuleHit>& hits, std::size_t max_hits_per_rule,
                               std::chrono::steady_clock::time_point deadline) const {
  // Long texts are matched in chunks cut at line ends (else sentence ends,
  // else spaces): each rule that passes a chunk's atom filter then scans
  // that chunk only, not the whole text. No rule spans a line end.
  if (view.size() <= kChunkBytes) {
    match_chunk(view, 0, hits, max_hits_per_rule);
    return view.size();
  }
  const bool check_deadline = deadline != std::chrono::steady_clock::time_point::max();
  std::size_t pos = 0;
  while (pos < view.size()) {
    if (check_deadline && std::chrono::steady_clock::now() >= deadline) return pos;
    std::size_t end = std::min(view.size(), pos + kChunkBytes);
    if (end < view.size()) {
      const std::string_view window = view.substr(pos + kChunkBytes / 2, end - pos - kChunkBytes / 2);
      std::size_t cut = window.rfind('\n');
      if (cut == std::string_view::npos) cut = window.rfind(". ");
      if (cut == std::string_view::npos) cut = window.rfind(' ');
      if (cut != std::string_view::npos) end = pos + kChunkBytes / 2 + cut + 1;
      // Never cut inside a UTF-8 sequence.
      while (end > pos + 1 && (static_cast<unsigned char>(view[end]) & 0xC0) == 0x80) --end;
    }
    match_chunk(view.substr(pos, end - pos), pos, hits, max_hits_per_rule);
    pos = end;
  }
  return view.size();
}

void RuleMatcher::match_chunk(std::string_view view, std::size_t offset, std::vector<RuleHit>& hits,
                              std::size_t max_hits_per_rule) const {
  const re2::StringPiece text(view.data(), view.size());
  std::vector<int> atom_hits;
  std::vector<int> candidates;
  bool all = atom_count_ > 0 && !compiled_->atoms;
  if (compiled_->atoms) {
    re2::RE2::Set::ErrorInfo error{};
    if (!compiled_->atoms->Match(text, &atom_hits, &error) && error.kind != re2::RE2::Set::kNoError) all = true;
  }
  if (all) {
    for (int i = 0; i < compiled_->filter.NumRegexps(); ++i) candidates.push_back(i);
  } else {
    compiled_->filter.AllPotentials(atom_hits, &candidates);
  }
  std::sort(candidates.begin(), candidates.end());
  for (int id : candidates) {
    const re2::RE2& regex = compiled_->filter.GetRE2(id);
    const std::size_t rule = compiled_->filter_to_rule[static_cast<std::size_t>(id)];
    std::size_t pos = 0;
    re2::StringPiece match;
    for (std::size_t n = 0; n < max_hits_per_rule && pos <= text.size(); ++n) {
      if (!regex.Match(text, pos, text.size(), re2::RE2::UNANCHORED, &match, 1)) break;
      std::size_t start = static_cast<std::size_t>(match.data() - text.data());
      std::size_t end = start + match.size();
      pos = end > start ? end : start + 1;
      while (start < end && trimmable(static_cast<unsigned char>(view[start]))) ++start;
      while (end > start && trimmable(static_cast<unsigned char>(view[end - 1]))) --end;
      if (end > start) hits.push_back(RuleHit{.rule = rule, .start = offset + start, .end = offset + end});
    }
  }
}

}  // namespace servir::guard
