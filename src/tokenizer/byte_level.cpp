#include "tokenizer/byte_level.h"

#include "tokenizer/unicode.h"

namespace servir {
namespace {

bool is_printable_byte(std::uint32_t b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE; }

}  // namespace

std::uint32_t byte_level_code_point(std::uint8_t byte) {
  if (is_printable_byte(byte)) return byte;
  std::uint32_t n = 0;
  for (std::uint32_t b = 0; b < byte; ++b) n += is_printable_byte(b) ? 0 : 1;
  return 0x100 + n;
}

std::optional<std::uint8_t> byte_level_byte(std::uint32_t cp) {
  if (cp < 0x100) {
    if (is_printable_byte(cp)) return static_cast<std::uint8_t>(cp);
    return std::nullopt;
  }
  if (cp >= 0x100 + 68) return std::nullopt;
  std::uint32_t n = 0;
  for (std::uint32_t b = 0; b < 256; ++b) {
    if (is_printable_byte(b)) continue;
    if (n == cp - 0x100) return static_cast<std::uint8_t>(b);
    ++n;
  }
  return std::nullopt;
}

std::string byte_level_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t length = 1;
    const std::uint32_t cp = utf8_decode(text, pos, length);
    const std::optional<std::uint8_t> byte = cp == kInvalidCodePoint ? std::nullopt : byte_level_byte(cp);
    if (byte) {
      out.push_back(static_cast<char>(*byte));
    } else {
      out.append(text.substr(pos, length));
    }
    pos += length;
  }
  return out;
}

std::string byte_level_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) utf8_append(out, byte_level_code_point(static_cast<std::uint8_t>(c)));
  return out;
}

}  // namespace servir
