// The PII scanner: structured personal data in free text (English, Spanish,
// Russian), checksums first and patterns second.
//
// Entity types (Finding::type), Presidio's names where one exists, and the
// rule ids they carry:
//   EMAIL_ADDRESS  pii.email            local@domain.tld (IDN letters allowed;
//                                       not the user:password@ of a URL)
//   PHONE_NUMBER   pii.phone.e164       "+" and a valid ITU country code, 8-15 digits
//                  pii.phone.intl       "00" + country code, grouped
//                  pii.phone.national   9-13 digits in groups: US/CA 3-3-4,
//                                       ES 3-3-3 / 3-2-2-2, RU 8 (9xx) xxx-xx-xx,
//                                       FR 5 pairs, UK/DE/IT "0..." area code,
//                                       MX/AR/BR "(55) 1234-5678"; separators
//                                       space, NBSP, '-', '.', '/', parentheses
//   CREDIT_CARD    pii.card.luhn        Luhn + issuer prefix and length
//   IBAN_CODE      pii.iban.mod97       registry length + MOD 97-10
//   IP_ADDRESS     pii.ip.v4/v6         dotted quads <= 255 (not 1.2.3 or
//                                       1.2.3.4.5); RFC 4291 text forms
//   US_SSN         pii.ssn.format       valid area/group/serial, not samples
//   ES_NIF/NIE/CIF pii.es_*             check letter / control character
//   RU_INN         pii.inn.checksum     10 or 12 digits, both weight vectors
//   RU_SNILS       pii.snils.mod101     "123-456-789 01" or 11 digits
//   RU_OGRN        pii.ogrn.mod11 / pii.ogrnip.mod13
// A candidate whose number fails its checksum is never reported as that
// type (nor as a phone when it has that type's layout).
//
// Scoring: each rule has a base score (0.9+ for e-mail, IBAN, cards, DNI;
// 0.5-0.6 for grouped national phones; 0.3-0.4 for bare digit runs: INN,
// OGRN, contiguous SSN/SNILS/phones). Context words in the window before the
// match (up to `context_window_bytes`, and never past the previous number)
// add a per-type boost: "card/tarjeta/карта", "phone/teléfono/телефон",
// "SSN", "DNI", "ИНН", "СНИЛС", "ОГРН", ...; negative words ("order",
// "invoice", "pedido", "заказ", "ISBN", "version", "price", ...) subtract a
// per-type penalty; both count fully next to the match and half at the far
// end of the window. A currency right after a number subtracts the penalty.
// Findings under `score_threshold` are dropped, so bare 10-12 digit numbers
// become RU_INN or PHONE_NUMBER only with evidence. Overlapping findings:
// the higher score wins, then the longer span.
//
// Word boundaries: a match glued to letters or digits of any script (or to
// "x-", "1.", "1,", "@") is no match. Offsets are byte offsets into the
// text. Linear time; text is read in 16 KiB segments with the deadline
// checked between them. Thread-safe: the scanner is immutable once built.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "guard/scanner.h"

namespace servir::guard {

struct PiiScannerOptions {
  // Entity types to report; empty = all of them.
  std::vector<std::string> entities;
  // Findings scored below this are dropped.
  double score_threshold = 0.5;
  // Bytes before a match searched for context words (clamped to 1..512).
  std::size_t context_window_bytes = 64;
};

std::unique_ptr<Scanner> make_pii_scanner(const PiiScannerOptions& options = {});

// Every entity type the PII scanner can report, in a stable order.
const std::vector<std::string>& pii_entity_types();

}  // namespace servir::guard
