// The moderation scanner's model side: a Llama-Guard-style classifier
// (--guard-model PATH, a second small model loaded in the same process) is
// asked whether the last user turn (input) or the answer (output) is safe
// under the MLCommons hazard taxonomy, S1..S14, and answers "safe", or
// "unsafe" and a line of category codes. What a category leads to is the
// policy's business (policy.h: moderation.categories, action).
//
// This file holds the prompt and the verdict parser, which are pure; the
// server runs the model through a GenerationBackend (greedy, a few tokens).
// The prompt is Llama Guard 3's own wording and layout; its header tokens
// are encoded as control tokens, the conversation text never is
// (`literal_ranges`, as for chat prompts).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "guard/finding.h"
#include "guard/policy.h"
#include "util/status.h"

namespace servir::guard {

struct ModerationTurn {
  bool from_user = true;  // false: the assistant ("Agent" in the prompt)
  std::string text;
};

struct ModerationPrompt {
  std::string text;
  std::vector<std::pair<std::size_t, std::size_t>> literal_ranges;  // the turns' text
};

// The code -> name table of the taxonomy (S1 "Violent Crimes" ... S14
// "Code Interpreter Abuse").
const std::vector<std::pair<std::string, std::string>>& moderation_categories();

// Asks about the last turn of `turns` (a user turn on input, an assistant
// turn on output). Each turn is cut to `max_turn_bytes` (its end is kept:
// the last words are the ones most likely to carry the request).
ModerationPrompt llama_guard_prompt(const std::vector<ModerationTurn>& turns, std::size_t max_turn_bytes = 8192);

struct ModerationVerdict {
  bool unsafe = false;
  std::vector<std::string> categories;  // codes, "S1".."S14"
};

// "safe" / "unsafe\nS1,S10" (whitespace and case forgiven). Errors:
// kCorruptData for anything else (the model did not follow the format).
Result<ModerationVerdict> parse_llama_guard_output(std::string_view text);

// One finding per unsafe category, spanning the whole text (rule
// "moderation.llama_guard.<code>", score 1); a reply that could not be
// parsed is one SCAN_INCOMPLETE finding (rule "moderation.unparsed").
std::vector<Finding> moderation_findings(const Result<ModerationVerdict>& verdict, std::size_t text_bytes);

}  // namespace servir::guard
