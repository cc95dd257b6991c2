// Small deterministic scanners for the guard's mechanics tests (policies,
// redaction, streaming), so those tests do not depend on the real rules.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "guard/guard.h"
#include "guard/scanner.h"

namespace servir::guard::testing {

// Reports every occurrence of `needle` as a finding of `type`; a needle
// ending in '*' matches the prefix and then every [A-Za-z0-9] after it (a
// token that may still grow at the end of the text).
class NeedleScanner final : public Scanner {
 public:
  NeedleScanner(ScannerKind kind, std::vector<std::pair<std::string, std::string>> needles, double score = 0.9)
      : kind_(kind), needles_(std::move(needles)), score_(score) {}
  ScannerKind kind() const override { return kind_; }
  void scan(std::string_view text, const ScanContext& ctx, std::vector<Finding>& out) const override {
    const std::string_view limited = text.substr(0, std::min(text.size(), ctx.max_bytes));
    for (const auto& [needle, type] : needles_) {
      const bool grows = !needle.empty() && needle.back() == '*';
      const std::string_view head = grows ? std::string_view(needle).substr(0, needle.size() - 1) : needle;
      for (std::size_t at = limited.find(head); at != std::string_view::npos; at = limited.find(head, at + 1)) {
        std::size_t end = at + head.size();
        if (grows) {
          while (end < limited.size() && std::isalnum(static_cast<unsigned char>(limited[end]))) ++end;
        }
        out.push_back(
            Finding{.scanner = kind_, .type = type, .start = at, .end = end, .rule = "test." + type, .score = score_});
      }
    }
    if (limited.size() < text.size()) out.push_back(incomplete_scan_finding(kind_, limited.size(), text.size()));
  }

 private:
  ScannerKind kind_;
  std::vector<std::pair<std::string, std::string>> needles_;
  double score_;
};

inline std::shared_ptr<const ScannerSet> needle_scanners() {
  auto set = std::make_shared<ScannerSet>();
  set->by_kind[static_cast<std::size_t>(ScannerKind::kPii)] = std::make_unique<NeedleScanner>(
      ScannerKind::kPii,
      std::vector<std::pair<std::string, std::string>>{
          {"alice@example.com", "EMAIL_ADDRESS"}, {"bob@example.com", "EMAIL_ADDRESS"}, {"555-0100", "PHONE_NUMBER"}});
  set->by_kind[static_cast<std::size_t>(ScannerKind::kSecrets)] = std::make_unique<NeedleScanner>(
      ScannerKind::kSecrets, std::vector<std::pair<std::string, std::string>>{{"sk-*", "OPENAI_API_KEY"}});
  set->by_kind[static_cast<std::size_t>(ScannerKind::kInjection)] = std::make_unique<NeedleScanner>(
      ScannerKind::kInjection,
      std::vector<std::pair<std::string, std::string>>{{"ignore previous", "PROMPT_INJECTION"}});
  return set;
}

}  // namespace servir::guard::testing
