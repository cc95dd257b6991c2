#include "tokenizer/unicode.h"

#include <algorithm>
#include <array>

#include "tokenizer/unicode_tables.h"

namespace servir {
namespace {

namespace ut = unicode_tables;

std::uint8_t lookup_properties(std::uint32_t cp) {
  const std::uint32_t* end = ut::kCategoryRunStart + ut::kCategoryRunStartSize;
  const std::uint32_t* it = std::upper_bound(ut::kCategoryRunStart, end, cp);
  return ut::kCategoryRunValue[(it - ut::kCategoryRunStart) - 1];
}

// Properties of U+0000..U+07FF, the scripts most text is in, without a search.
const std::array<std::uint8_t, 0x800>& low_properties() {
  static const std::array<std::uint8_t, 0x800> table = [] {
    std::array<std::uint8_t, 0x800> t{};
    for (std::uint32_t cp = 0; cp < t.size(); ++cp) t[cp] = lookup_properties(cp);
    return t;
  }();
  return table;
}

constexpr std::uint8_t kInvalidProperties = static_cast<std::uint8_t>(UnicodeCategory::kSo);

}  // namespace

std::uint8_t unicode_properties(std::uint32_t cp) {
  if (cp < 0x800) return low_properties()[cp];
  if (cp >= 0x110000) return kInvalidProperties;
  return lookup_properties(cp);
}

std::uint32_t utf8_decode(std::string_view s, std::size_t pos, std::size_t& length) {
  length = 1;
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) return b0;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return kInvalidCodePoint;
  }
  if (s.size() - pos < n) return kInvalidCodePoint;
  for (std::size_t i = 1; i < n; ++i) {
    const auto b = static_cast<unsigned char>(s[pos + i]);
    if ((b & 0xC0) != 0x80) return kInvalidCodePoint;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kInvalidCodePoint;
  length = n;
  return cp;
}

void utf8_append(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void CodePointText::assign(std::string_view text) {
  cps.clear();
  offsets.clear();
  props.clear();
  cps.reserve(text.size());
  offsets.reserve(text.size() + 1);
  props.reserve(text.size());
  const auto& low = low_properties();
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[pos]);
    offsets.push_back(static_cast<std::uint32_t>(pos));
    if (b0 < 0x80) {
      cps.push_back(b0);
      props.push_back(low[b0]);
      ++pos;
      continue;
    }
    std::size_t length = 1;
    const std::uint32_t cp = utf8_decode(text, pos, length);
    cps.push_back(cp);
    props.push_back(cp == kInvalidCodePoint ? kInvalidProperties : unicode_properties(cp));
    pos += length;
  }
  offsets.push_back(static_cast<std::uint32_t>(text.size()));
}

std::string utf8_lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    const auto b0 = static_cast<unsigned char>(bytes[pos]);
    if (b0 < 0x80) {
      out.push_back(static_cast<char>(b0));
      ++pos;
      continue;
    }
    std::size_t length = 1;
    if (utf8_decode(bytes, pos, length) != kInvalidCodePoint) {
      out.append(bytes.substr(pos, length));
      pos += length;
      continue;
    }
    // Skip the maximal prefix of a well-formed sequence (WHATWG / Unicode
    // "substitution of maximal subparts"), then emit one U+FFFD.
    std::size_t skip = 1;
    std::uint8_t lo = 0x80, hi = 0xBF;
    std::size_t need = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      need = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      need = 2;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      need = 3;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    }
    for (std::size_t i = 0; i < need && pos + skip < bytes.size(); ++i) {
      const auto b = static_cast<unsigned char>(bytes[pos + skip]);
      if (b < lo || b > hi) break;
      ++skip;
      lo = 0x80, hi = 0xBF;
    }
    utf8_append(out, kReplacementCharacter);
    pos += skip;
  }
  return out;
}

std::size_t utf8_incomplete_suffix(std::string_view bytes) {
  // Look at the last up to 3 bytes for a lead byte whose sequence is cut off
  // and whose bytes so far are valid.
  const std::size_t n = bytes.size();
  for (std::size_t k = 1; k <= 3 && k <= n; ++k) {
    const auto b0 = static_cast<unsigned char>(bytes[n - k]);
    if ((b0 & 0xC0) == 0x80) continue;  // continuation byte: look further back
    std::size_t need = 0;
    std::uint8_t lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      need = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      need = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      need = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      return 0;
    }
    if (k >= need) return 0;  // complete (or over-long run): nothing to hold
    for (std::size_t i = 1; i < k; ++i) {
      const auto b = static_cast<unsigned char>(bytes[n - k + i]);
      if (b < lo || b > hi) return 0;
      lo = 0x80, hi = 0xBF;
    }
    return k;
  }
  return 0;
}

bool utf8_is_valid(std::string_view bytes) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    std::size_t length = 1;
    if (utf8_decode(bytes, pos, length) == kInvalidCodePoint) return false;
    pos += length;
  }
  return true;
}

}  // namespace servir
