// A normalized view of a text for rule matching, mapped back to the original.
//
// Attackers hide instructions from keyword filters with tricks the model
// still reads through: zero-width characters inside words, Unicode tag
// characters ("ASCII smuggling"), bidi overrides, fullwidth or mathematical
// letters, Cyrillic/Greek look-alikes inside Latin words, leetspeak and
// letters spaced apart ("i g n o r e"). The normalizer undoes them in one
// linear pass, in this order:
//
//  1. Invisible/format characters are dropped and counted: zero-width
//     U+200B..U+200F, U+2060..U+2064, U+FEFF, soft hyphen, other default
//     ignorables, bidi controls U+202A..U+202E and U+2066..U+2069. Tag
//     characters U+E0000..U+E007F are dropped from the view and decoded into
//     `hidden` (U+E0020..U+E007E carry printable ASCII), except the
//     subdivision-flag emoji sequences (U+1F3F4 + tags) which are benign.
//  2. NFKC with case folding (ICU's NFKC_Casefold), per normalization
//     segment so every output character keeps the span it came from; Latin
//     diacritics are dropped (é -> e, ñ -> n), ё -> е, curly quotes -> ASCII,
//     remaining non-spacing marks dropped (Zalgo text).
//  3. Per word (a run of letters, digits and leet symbols): a word that mixes
//     Latin with Cyrillic or Greek letters has its look-alikes mapped to Latin
//     ("ignоre" with a Cyrillic о -> "ignore"); words in one script are left
//     alone, so Russian stays Russian for the Russian rules. A word mixing
//     letters with digits or @/$ is folded from leetspeak (0->o 1->i 3->e
//     4->a 5->s 7->t @->a $->s).
//  4. Runs of whitespace collapse to one space (one newline when the run had
//     one); runs of 3+ single letters joined by one repeated separator
//     ("i g n o r e", "i.g.n.o.r.e") are joined into a word.
//
// Thread safety: a TextNormalizer is immutable once built; normalize() may be
// called from many threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace servir::guard {

// A view of a text with, for every byte of `text`, the span of original bytes
// it came from.
struct NormalizedText {
  std::string text;                 // UTF-8, case-folded
  std::vector<std::uint32_t> from;  // [text.size()] original start offset of each byte
  std::vector<std::uint32_t> to;    // [text.size()] original end offset of each byte

  // The original byte span of normalized bytes [start, end); end > start.
  std::size_t original_start(std::size_t start) const { return from[start]; }
  std::size_t original_end(std::size_t end) const { return to[end - 1]; }
};

// What step 1 found: counts of dropped characters and their original spans.
struct HiddenCharacters {
  std::size_t zero_width = 0;  // U+200B..U+200F, U+2060..U+2064, U+FEFF (not at 0), soft hyphen
  // Of those, between two letters: soft hyphens never, ZWNJ/ZWJ only
  // between Latin/Greek/Cyrillic letters (Persian and Indic text needs them).
  std::size_t zero_width_in_word = 0;
  std::size_t bidi_override = 0;  // U+202D LRO, U+202E RLO
  std::size_t bidi_other = 0;     // U+202A..U+202C embeddings, U+2066..U+2069 isolates
  std::size_t tag = 0;            // U+E0000..U+E007F outside flag emoji
  std::size_t other = 0;          // other default ignorables (variation selectors excluded)
  // [first, last) original byte span of each kind above, when count > 0.
  std::size_t zero_width_start = 0, zero_width_end = 0;
  std::size_t bidi_start = 0, bidi_end = 0;
  std::size_t tag_start = 0, tag_end = 0;
  // The ASCII the tag characters spell, normalized like the text; its map
  // points at the tag characters in the original.
  NormalizedText tag_text;
};

struct NormalizeResult {
  NormalizedText view;
  HiddenCharacters hidden;
  // Original bytes actually read: less than the input when the deadline hit.
  std::size_t bytes_read = 0;
  bool deadline_hit = false;
  // Number of spaced-letter runs joined in step 4.
  std::size_t spaced_runs = 0;
};

class TextNormalizer {
 public:
  TextNormalizer();
  ~TextNormalizer();
  TextNormalizer(const TextNormalizer&) = delete;
  TextNormalizer& operator=(const TextNormalizer&) = delete;

  // Normalizes `text` (invalid UTF-8 bytes become U+FFFD). Stops early, with
  // deadline_hit, when `deadline` passes (checked every few KB).
  NormalizeResult normalize(std::string_view text, std::chrono::steady_clock::time_point deadline =
                                                       std::chrono::steady_clock::time_point::max()) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace servir::guard
