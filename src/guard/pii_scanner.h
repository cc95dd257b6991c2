// The PII scanner: structured personal data in free text (English, Spanish,
// Russian), checksums first and patterns second.
//
// Entity types (Finding::type), Presidio's names where one exists:
// EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, IP_ADDRESS, US_SSN,
// ES_NIF (DNI), ES_NIE, ES_CIF, RU_INN, RU_SNILS, RU_OGRN (OGRN and OGRNIP).
// A candidate whose number fails its checksum (pii_checksums.h) is never
// reported as that type. Scores start from a per-rule base and move with
// context words seen in a window before the match (positive: "card",
// "tarjeta", "карта", "ИНН", ...; negative: "order", "pedido", "заказ",
// "ISBN", "version", ...); findings under `score_threshold` are dropped, so
// bare 10-12 digit numbers become RU_INN or PHONE_NUMBER only with evidence.
//
// Offsets are byte offsets into the text. Thread-safe: the scanner is
// immutable once built (every RE2 is compiled once, in the constructor).
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
  // Bytes before a match searched for context words.
  std::size_t context_window_bytes = 64;
};

std::unique_ptr<Scanner> make_pii_scanner(const PiiScannerOptions& options = {});

// Every entity type the PII scanner can report, in a stable order.
const std::vector<std::string>& pii_entity_types();

}  // namespace servir::guard
