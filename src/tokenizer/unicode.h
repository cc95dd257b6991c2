// Unicode helpers for the tokenizers: UTF-8 decoding that never fails,
// general categories, White_Space, and NFC.
//
// Invalid UTF-8 is never an error here. A byte that does not start a valid
// sequence decodes as one "invalid" unit of length 1 (kInvalidCodePoint, whose
// category is So, like U+FFFD): pre-tokenizers treat it as a symbol, and the
// byte-level and byte-fallback encoders keep its original byte, so encoding
// then decoding returns the input bytes unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace servir {

// General categories; the order is the generator's (scripts/gen_unicode_tables.py).
enum class UnicodeCategory : std::uint8_t {
  kCn,
  kLu,
  kLl,
  kLt,
  kLm,
  kLo,
  kMn,
  kMc,
  kMe,
  kNd,
  kNl,
  kNo,
  kPc,
  kPd,
  kPs,
  kPe,
  kPi,
  kPf,
  kPo,
  kSm,
  kSc,
  kSk,
  kSo,
  kZs,
  kZl,
  kZp,
  kCc,
  kCf,
  kCs,
  kCo,
};
inline constexpr int kUnicodeCategoryCount = 30;

// A set of categories as a bit mask (bit = 1 << category).
using CategoryMask = std::uint32_t;
constexpr CategoryMask category_bit(UnicodeCategory c) { return CategoryMask{1} << static_cast<int>(c); }
inline constexpr CategoryMask kMaskLetter = 0x3E;          // Lu Ll Lt Lm Lo
inline constexpr CategoryMask kMaskMark = 0x1C0;           // Mn Mc Me
inline constexpr CategoryMask kMaskNumber = 0xE00;         // Nd Nl No
inline constexpr CategoryMask kMaskPunctuation = 0x7F000;  // Pc Pd Ps Pe Pi Pf Po
inline constexpr CategoryMask kMaskSymbol = 0x780000;      // Sm Sc Sk So
inline constexpr CategoryMask kMaskSeparator = 0x3800000;  // Zs Zl Zp
inline constexpr CategoryMask kMaskOther = 0x3C000001;     // Cn Cc Cf Cs Co
inline constexpr CategoryMask kMaskAll = 0x3FFFFFFF;

inline constexpr std::uint32_t kInvalidCodePoint = 0xFFFFFFFF;
inline constexpr std::uint32_t kReplacementCharacter = 0xFFFD;

// Properties of one code point: category in the low 5 bits, White_Space in bit 5.
std::uint8_t unicode_properties(std::uint32_t cp);
inline UnicodeCategory unicode_category(std::uint32_t cp) {
  return static_cast<UnicodeCategory>(unicode_properties(cp) & 0x1F);
}
inline bool unicode_is_white_space(std::uint32_t cp) { return (unicode_properties(cp) & 0x20) != 0; }

// Decodes the sequence at s[pos]; sets `length` (1..4). Returns
// kInvalidCodePoint (length 1) for a byte that does not start a well-formed
// sequence (overlong forms, surrogates and values past U+10FFFF included).
std::uint32_t utf8_decode(std::string_view s, std::size_t pos, std::size_t& length);
void utf8_append(std::string& out, std::uint32_t cp);

// Text decoded once for pre-tokenization: one entry per code point (or per
// invalid byte), with its byte offset and its properties.
struct CodePointText {
  std::vector<std::uint32_t> cps;
  std::vector<std::uint32_t> offsets;  // size cps.size() + 1; offsets.back() = byte size
  std::vector<std::uint8_t> props;     // unicode_properties(), invalid bytes as So

  void assign(std::string_view text);
  std::size_t size() const { return cps.size(); }
};

// Bytes to valid UTF-8: each maximal ill-formed subsequence becomes U+FFFD,
// as Rust's String::from_utf8_lossy and Python's errors="replace" do.
std::string utf8_lossy(std::string_view bytes);
// The number of bytes at the end of `bytes` that form an incomplete but so
// far valid UTF-8 sequence (0..3): a streaming decoder holds them back.
std::size_t utf8_incomplete_suffix(std::string_view bytes);
bool utf8_is_valid(std::string_view bytes);

// Canonical composition (NFC). Invalid bytes pass through unchanged.
std::string unicode_nfc(std::string_view text);

}  // namespace servir
