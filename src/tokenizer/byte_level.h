// GPT-2's byte-to-unicode alphabet: byte-level BPE vocabularies spell each
// byte as one printable code point (printable Latin-1 bytes as themselves,
// the other 68 bytes as U+0100.. in byte order), so ' ' becomes 'Ġ'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace servir {

std::uint32_t byte_level_code_point(std::uint8_t byte);
// The byte a code point of the alphabet stands for; nullopt for any other.
std::optional<std::uint8_t> byte_level_byte(std::uint32_t cp);

// Vocabulary spelling -> raw bytes. Code points outside the alphabet (added
// tokens written as plain text) are kept as their UTF-8 bytes, as the
// Hugging Face ByteLevel decoder does.
std::string byte_level_decode(std::string_view text);
// Raw bytes -> vocabulary spelling.
std::string byte_level_encode(std::string_view bytes);

}  // namespace servir
