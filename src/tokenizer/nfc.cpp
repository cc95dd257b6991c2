// Unicode Normalization Form C (canonical decomposition, canonical ordering,
// canonical composition), over the generated tables plus the algorithmic
// Hangul syllables.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/unicode.h"
#include "tokenizer/unicode_tables.h"

namespace servir {
namespace {

namespace ut = unicode_tables;

constexpr std::uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr std::uint32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr std::uint32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;
// Invalid bytes travel through as this tag | byte; they are starters that never compose.
constexpr std::uint32_t kByteTag = 0x80000000;

std::uint8_t combining_class(std::uint32_t cp) {
  if (cp < 0x300 || (cp & kByteTag) != 0) return 0;
  const auto* end = ut::kCombiningClass + ut::kCombiningClassSize;
  const auto* it = std::upper_bound(ut::kCombiningClass, end, cp,
                                    [](std::uint32_t v, const ut::CombiningClassRange& r) { return v < r.first; });
  if (it == ut::kCombiningClass) return 0;
  --it;
  return cp <= it->last ? it->combining_class : 0;
}

void decompose(std::uint32_t cp, std::vector<std::uint32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const std::uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  const auto* end = ut::kDecomposition + ut::kDecompositionSize;
  const auto* it = std::lower_bound(ut::kDecomposition, end, cp,
                                    [](const ut::Decomposition& d, std::uint32_t v) { return d.code_point < v; });
  if (it == end || it->code_point != cp) {
    out.push_back(cp);
    return;
  }
  decompose(it->first, out);
  if (it->second != 0) decompose(it->second, out);
}

std::uint32_t compose_pair(std::uint32_t a, std::uint32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  }
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount) {
    return a + (b - kTBase);
  }
  if ((a | b) & kByteTag) return 0;
  const std::uint64_t key = (std::uint64_t{a} << 21) | b;
  const auto* end = ut::kComposition + ut::kCompositionSize;
  const auto* it = std::lower_bound(ut::kComposition, end, key,
                                    [](const ut::Composition& c, std::uint64_t v) { return c.pair < v; });
  return (it != end && it->pair == key) ? it->composite : 0;
}

}  // namespace

std::string unicode_nfc(std::string_view text) {
  // Below U+0300 nothing decomposes, reorders or composes.
  if (std::none_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) >= 0xCC; })) {
    return std::string(text);
  }
  std::vector<std::uint32_t> cps;
  cps.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t length = 1;
    const std::uint32_t cp = utf8_decode(text, pos, length);
    if (cp == kInvalidCodePoint) {
      cps.push_back(kByteTag | static_cast<unsigned char>(text[pos]));
    } else {
      decompose(cp, cps);
    }
    pos += length;
  }
  // Canonical ordering: stable sort of each run of non-starters by class.
  for (std::size_t i = 0; i < cps.size();) {
    if (combining_class(cps[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < cps.size() && combining_class(cps[j]) != 0) ++j;
    std::stable_sort(cps.begin() + static_cast<std::ptrdiff_t>(i), cps.begin() + static_cast<std::ptrdiff_t>(j),
                     [](std::uint32_t a, std::uint32_t b) { return combining_class(a) < combining_class(b); });
    i = j;
  }
  // Canonical composition.
  std::vector<std::uint32_t> out;
  out.reserve(cps.size());
  std::size_t starter = SIZE_MAX;  // index in `out` of the last starter
  int last_class = -1;
  for (const std::uint32_t cp : cps) {
    const int cc = combining_class(cp);
    if (starter != SIZE_MAX) {
      const bool blocked = last_class != -1 && (last_class == 0 || last_class >= cc);
      if (!blocked) {
        if (const std::uint32_t composite = compose_pair(out[starter], cp); composite != 0) {
          out[starter] = composite;
          continue;
        }
      }
    }
    if (cc == 0) {
      starter = out.size();
      last_class = -1;
    } else {
      last_class = cc;
    }
    out.push_back(cp);
  }
  std::string result;
  result.reserve(text.size());
  for (const std::uint32_t cp : out) {
    if (cp & kByteTag) {
      result.push_back(static_cast<char>(cp & 0xFF));
    } else {
      utf8_append(result, cp);
    }
  }
  return result;
}

}  // namespace servir
