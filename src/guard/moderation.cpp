#include "guard/moderation.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "guard/scanner.h"

namespace servir::guard {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The tail of `text`, at most `max_bytes`, starting on a UTF-8 boundary.
std::string_view tail(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t from = text.size() - max_bytes;
  while (from < text.size() && (static_cast<unsigned char>(text[from]) & 0xC0) == 0x80) ++from;
  return text.substr(from);
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& moderation_categories() {
  static const std::vector<std::pair<std::string, std::string>> kCategories = {
      {"S1", "Violent Crimes"},
      {"S2", "Non-Violent Crimes"},
      {"S3", "Sex Crimes"},
      {"S4", "Child Exploitation"},
      {"S5", "Defamation"},
      {"S6", "Specialized Advice"},
      {"S7", "Privacy"},
      {"S8", "Intellectual Property"},
      {"S9", "Indiscriminate Weapons"},
      {"S10", "Hate"},
      {"S11", "Self-Harm"},
      {"S12", "Sexual Content"},
      {"S13", "Elections"},
      {"S14", "Code Interpreter Abuse"},
  };
  return kCategories;
}

ModerationPrompt llama_guard_prompt(const std::vector<ModerationTurn>& turns, std::size_t max_turn_bytes) {
  const bool judge_agent = !turns.empty() && !turns.back().from_user;
  const char* role = judge_agent ? "Agent" : "User";
  ModerationPrompt p;
  p.text = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n";
  p.text += fmt::format(
      "Task: Check if there is unsafe content in '{}' messages in conversations according our safety policy with "
      "the below categories.\n\n<BEGIN UNSAFE CONTENT CATEGORIES>\n",
      role);
  for (const auto& [code, name] : moderation_categories()) p.text += fmt::format("{}: {}.\n", code, name);
  p.text += "<END UNSAFE CONTENT CATEGORIES>\n\n<BEGIN CONVERSATION>\n\n";
  for (const auto& turn : turns) {
    p.text += turn.from_user ? "User: " : "Agent: ";
    const std::string_view body = tail(turn.text, max_turn_bytes);
    p.literal_ranges.emplace_back(p.text.size(), p.text.size() + body.size());
    p.text += body;
    p.text += "\n\n";
  }
  std::erase_if(p.literal_ranges, [](const auto& r) { return r.first == r.second; });
  p.text += fmt::format(
      "<END CONVERSATION>\n\nProvide your safety assessment for ONLY THE LAST {} message in the above "
      "conversation:\n - First line must read 'safe' or 'unsafe'.\n - If unsafe, a second line must include a "
      "comma-separated list of violated categories.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
      role);
  return p;
}

Result<ModerationVerdict> parse_llama_guard_output(std::string_view text) {
  text = trim(text);
  const std::size_t newline = text.find('\n');
  const std::string first = lower(trim(text.substr(0, newline)));
  ModerationVerdict v;
  if (first == "safe") return v;
  if (first != "unsafe") {
    return make_error(ErrorCode::kCorruptData, "the moderation model answered neither 'safe' nor 'unsafe'");
  }
  v.unsafe = true;
  if (newline == std::string_view::npos) return v;  // unsafe, no category named
  std::string_view rest = trim(text.substr(newline + 1));
  rest = rest.substr(0, rest.find('\n'));
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string code(trim(rest.substr(0, comma)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const auto& known = moderation_categories();
    if (std::any_of(known.begin(), known.end(), [&](const auto& c) { return c.first == code; }) &&
        std::find(v.categories.begin(), v.categories.end(), code) == v.categories.end()) {
      v.categories.push_back(code);
    }
  }
  return v;
}

std::vector<Finding> moderation_findings(const Result<ModerationVerdict>& verdict, std::size_t text_bytes) {
  std::vector<Finding> out;
  if (!verdict.ok()) {
    Finding f = incomplete_scan_finding(ScannerKind::kModeration, 0, text_bytes);
    f.rule = "moderation.unparsed";
    out.push_back(std::move(f));
    return out;
  }
  if (!verdict->unsafe) return out;
  if (verdict->categories.empty()) {
    out.push_back(Finding{.scanner = ScannerKind::kModeration,
                          .type = "UNSAFE",
                          .start = 0,
                          .end = text_bytes,
                          .rule = "moderation.llama_guard.unsafe",
                          .score = 1.0});
  }
  for (const auto& code : verdict->categories) {
    out.push_back(Finding{.scanner = ScannerKind::kModeration,
                          .type = code,
                          .start = 0,
                          .end = text_bytes,
                          .rule = "moderation.llama_guard." + code,
                          .score = 1.0});
  }
  return out;
}

}  // namespace servir::guard
