// The PII scanner's detectors (internal to src/guard): each finds
// candidate spans of one family with a base score; pii_scanner.cpp adds
// context, drops what falls under the threshold and resolves overlaps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace servir::guard {

enum class PiiType : std::uint8_t {
  kEmail,
  kPhone,
  kCard,
  kIban,
  kIp,
  kSsn,
  kNif,
  kNie,
  kCif,
  kInn,
  kSnils,
  kOgrn,
};
inline constexpr int kPiiTypeCount = 12;
std::string_view pii_type_name(PiiType type);

struct PiiCandidate {
  PiiType type = PiiType::kEmail;
  std::size_t start = 0;  // byte span in the text
  std::size_t end = 0;
  std::string_view rule;  // a static string: "pii.card.luhn"
  double base = 0.0;      // score before context
  // Where the context window before the match ends (the start of the whole
  // number a sub-span was cut from, so its neighbours' words count).
  std::size_t context_at = 0;
};

// Each detector appends the candidates that start in [from, to); it may read
// `text` past `to` to finish a match.
void find_emails(std::string_view text, std::size_t from, std::size_t to, std::vector<PiiCandidate>& out);
void find_ibans(std::string_view text, std::size_t from, std::size_t to, std::vector<PiiCandidate>& out);
void find_ipv6(std::string_view text, std::size_t from, std::size_t to, std::vector<PiiCandidate>& out);
// ES_NIF (DNI), ES_NIE, ES_CIF: identifiers that mix letters and digits.
void find_spanish_ids(std::string_view text, std::size_t from, std::size_t to, std::vector<PiiCandidate>& out);
// Digit runs joined by separators: PHONE_NUMBER, CREDIT_CARD, US_SSN,
// RU_INN, RU_SNILS, RU_OGRN and IPv4.
void find_numbers(std::string_view text, std::size_t from, std::size_t to, std::vector<PiiCandidate>& out);

// Whether `digits` starts with an ITU-T E.164 country calling code; its
// length through `cc_len`.
bool starts_with_country_code(std::string_view digits, std::size_t* cc_len);

}  // namespace servir::guard
