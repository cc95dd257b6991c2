// What a guard scanner reports: one finding per suspicious span of text.
//
// Offsets are byte offsets into the text as it was handed to the scanner
// (UTF-8), [start, end). `servir guard scan --json` converts them to Unicode
// code points, as Presidio reports them. A finding never carries the matched
// text itself: callers that need it slice the text they own, and the audit
// log records only its SHA-256.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace servir::guard {

// The scanners of docs/ARCHITECTURE.md's guard layer. The names are the
// values of the `scanner` field in JSON output, metrics and audit records.
enum class ScannerKind : std::uint8_t { kInjection, kPii, kSecrets, kModeration };
inline constexpr int kScannerKindCount = 4;

std::string_view scanner_name(ScannerKind kind);
// "injection" | "pii" | "secrets" | "moderation" -> kind; false when unknown.
bool parse_scanner_name(std::string_view name, ScannerKind& kind);

struct Finding {
  ScannerKind scanner = ScannerKind::kInjection;
  // The entity or attack type. PII types use Presidio's entity names where
  // one exists (EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE,
  // IP_ADDRESS, US_SSN, ES_NIF, ES_NIE), then RU_INN, RU_SNILS, RU_OGRN,
  // ES_CIF; secrets: AWS_ACCESS_KEY, GITHUB_TOKEN, ..., GENERIC_SECRET;
  // injection: PROMPT_INJECTION, JAILBREAK, ROLE_MARKER, SPECIAL_TOKEN,
  // HIDDEN_TEXT, ENCODED_PAYLOAD; moderation: the taxonomy code (S1..S14).
  // SCAN_INCOMPLETE: the scanner hit its size or time bound (rule
  // "<scanner>.limit"); the policy decides what that means.
  std::string type;
  std::size_t start = 0;  // byte offset of the span's first byte
  std::size_t end = 0;    // one past its last byte
  std::string rule;       // stable id of the rule that fired, e.g. "pii.card.luhn"
  double score = 0.0;     // confidence in [0, 1]
};

}  // namespace servir::guard
