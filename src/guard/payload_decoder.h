// Finds encoded runs in a text and decodes the ones that hide readable text,
// so the injection rules can read what a model would decode for itself.
//
// Encodings: base64 (standard and URL-safe alphabets, runs of 16+ chars),
// hex (plain runs of 16+ digits, "\x41" escapes, "69 67 6e" / "0x69,0x67"
// byte lists), URL escapes (%XX), HTML character references (&#105;
// &#x69; &lt;). Runs are maximal, so no byte is decoded twice at one level
// and the work is linear in the text. A run is kept only when it decodes
// to valid UTF-8 that is mostly printable and has letters in it; binary
// blobs, hashes and ordinary words that happen to be valid base64 drop out
// there. rot13 is not found here: the scanner applies rot13() to its
// normalized view (a letter-for-letter map keeps the offsets).
//
// Thread safety: free functions without state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace servir::guard {

enum class PayloadEncoding : std::uint8_t { kBase64, kHex, kUrl, kHtml };

// "base64" | "hex" | "url" | "html": the part of the rule id after
// "injection.encoded.".
std::string_view payload_encoding_name(PayloadEncoding encoding);

struct DecodedPayload {
  PayloadEncoding encoding = PayloadEncoding::kBase64;
  std::size_t start = 0;  // the encoded run in the scanned text, [start, end)
  std::size_t end = 0;
  std::string text;  // the decoded text (valid UTF-8)
};

struct PayloadSearch {
  std::vector<DecodedPayload> payloads;
  std::size_t decoded_bytes = 0;  // summed over payloads
  // When the budget ran out: the start of the first run left undecoded.
  bool budget_hit = false;
  std::size_t stopped_at = 0;
};

// Decodes the payloads of `text`, at most `max_decoded_bytes` of output in
// all; runs of the same encoding never overlap.
PayloadSearch find_payloads(std::string_view text, std::size_t max_decoded_bytes);

// True when `bytes` is valid UTF-8, at least 85% of its code points are
// printable (or \n \r \t) and at least 4 are letters.
bool looks_like_text(std::string_view bytes);

// rot13 of ASCII letters; every other byte is kept, so offsets carry over.
std::string rot13(std::string_view text);

}  // namespace servir::guard
