#include "guard/scanner.h"

#include <array>

namespace servir::guard {
namespace {
constexpr std::array<std::string_view, kScannerKindCount> kNames = {"injection", "pii", "secrets", "moderation"};
}  // namespace

std::string_view scanner_name(ScannerKind kind) { return kNames[static_cast<std::size_t>(kind)]; }

bool parse_scanner_name(std::string_view name, ScannerKind& kind) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) {
      kind = static_cast<ScannerKind>(i);
      return true;
    }
  }
  return false;
}

Finding incomplete_scan_finding(ScannerKind kind, std::size_t stopped_at, std::size_t text_size) {
  return Finding{.scanner = kind,
                 .type = "SCAN_INCOMPLETE",
                 .start = stopped_at,
                 .end = text_size,
                 .rule = std::string(scanner_name(kind)) + ".limit",
                 .score = 1.0};
}

}  // namespace servir::guard
