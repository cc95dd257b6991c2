// The prompt-injection / jailbreak scanner of the guard layer.
//
// Finds text that tries to take over the model: instruction overrides
// ("ignore all previous instructions"), new-instruction framing ("from now
// on you are"), system-prompt exfiltration, role-play / developer-mode / DAN
// jailbreaks, fake role or delimiter markers and the model's own special
// tokens spelled in user content, in English, Spanish and Russian (plus
// French, German, Portuguese, Italian and Chinese where cheap). The text is
// matched through a normalized view (text_normalizer.h: invisible characters
// stripped, NFKC, case folding, confusables, leetspeak, spaced letters) and
// encoded payloads (payload_decoder.h: base64, hex, URL-encoding, rot13) are
// decoded and rescanned.
//
// Finding types: PROMPT_INJECTION, JAILBREAK, ROLE_MARKER, SPECIAL_TOKEN,
// HIDDEN_TEXT, ENCODED_PAYLOAD (plus SCAN_INCOMPLETE at a bound). Rule ids
// look like "injection.override.en", "injection.exfiltrate.ru",
// "injection.jailbreak.dan".
//
// Thread safety: the scanner is immutable once built; scan() may be called
// from many threads at once.
#pragma once

#include <memory>

#include "guard/scanner.h"

namespace servir::guard {

struct InjectionScannerOptions {
  // Decode base64 / hex / URL-encoded / rot13 payloads and rescan them.
  bool decode_payloads = true;
  // How deep decoded payloads are rescanned (a payload inside a payload is 2).
  int max_decode_depth = 2;
  // Total bytes all decoded payloads of one text may produce.
  std::size_t max_decoded_bytes = std::size_t{256} << 10;
};

std::unique_ptr<Scanner> make_injection_scanner(const InjectionScannerOptions& options = {});

}  // namespace servir::guard
