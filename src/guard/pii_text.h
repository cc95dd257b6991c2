// Text helpers shared by the PII and secrets scanners: word boundaries over
// UTF-8, a case fold for context windows, and context-word lookup.
//
// All offsets are byte offsets into UTF-8 text. Malformed UTF-8 never reads
// out of bounds: a bad byte is taken as a one-byte non-word character.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "guard/scanner.h"

namespace servir::guard {

// The code point starting at `pos` (U+FFFD for a malformed sequence), and
// its length in bytes through `len`.
char32_t utf8_code_point_at(std::string_view text, std::size_t pos, std::size_t* len);
// The code point ending just before `pos`, 0 at the start of the text.
char32_t utf8_code_point_before(std::string_view text, std::size_t pos);

// Letters and digits of any script (ICU's u_isalnum), and '_'.
bool is_word_code_point(char32_t c);
inline bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_ascii_alnum(char c) { return is_ascii_digit(c) || is_ascii_alpha(c); }
// Whether the character just before / at `pos` is a word character; false at
// the ends of the text.
bool word_char_before(std::string_view text, std::size_t pos);
bool word_char_at(std::string_view text, std::size_t pos);

// Appends `in` to `out` with ASCII, Latin-1 and Cyrillic capitals lowered
// and "ё" read as "е", so context words match whatever the writer's case.
void fold_case_append(std::string_view in, std::string& out);

// Context words: a keyword counts when it starts a word of the (folded)
// window; it may end inside one, so "карт" matches "картой" and "teléf"
// matches "teléfono". A keyword written with a trailing '$' ("tel$") must be
// a whole word ("tel", "tel.", not "telefonica"). Categories are small
// integers the caller defines.
class ContextLexicon {
 public:
  static constexpr int kMaxCategories = 24;
  struct Entry {
    std::string_view word;  // any case; folded on construction
    int category;
  };
  explicit ContextLexicon(std::initializer_list<Entry> entries);

  // For each category, the distance in bytes from the end of its nearest
  // keyword to the end of `folded` (-1 when absent). `folded` comes from
  // fold_case_append.
  using Distances = std::array<int, kMaxCategories>;
  Distances nearest_from_end(std::string_view folded) const;
  // For each category, the offset in `folded` of its first keyword (-1 when
  // absent): for windows that follow a match.
  Distances first_from_start(std::string_view folded) const;

 private:
  struct Word {
    std::string text;
    int category;
    bool whole;  // must end a word too
  };
  template <typename Visit>
  void for_each_match(std::string_view folded, Visit visit) const;

  std::vector<Word> words_;
  std::array<std::vector<int>, 256> by_first_byte_;  // indices into words_
};

// Scanners read long texts in segments of about `target_bytes`, checking
// their deadline between segments. Returns where the segment starting at
// `begin` ends: at a line break near the target, else at a space between
// words without digits or capitals (which no entity spans), else at a UTF-8
// character boundary.
std::size_t scan_segment_end(std::string_view text, std::size_t begin, std::size_t target_bytes);

inline constexpr std::size_t kScanSegmentBytes = 16 * 1024;

// The bounded walk both scanners make: text[0, ctx.max_bytes) in segments
// (scan_segment_end), scan_segment(bounded, begin, end) for each, and the
// SCAN_INCOMPLETE finding where the deadline or the size bound stopped it.
template <typename ScanSegment>
void scan_in_segments(std::string_view text, const ScanContext& ctx, ScannerKind kind, std::vector<Finding>& out,
                      ScanSegment&& scan_segment) {
  const std::string_view bounded = text.substr(0, std::min(text.size(), ctx.max_bytes));
  std::size_t pos = 0;
  while (pos < bounded.size()) {
    if (ctx.past_deadline()) {
      out.push_back(incomplete_scan_finding(kind, pos, text.size()));
      return;
    }
    const std::size_t end = scan_segment_end(bounded, pos, kScanSegmentBytes);
    scan_segment(bounded, pos, end);
    pos = end;
  }
  if (bounded.size() < text.size()) out.push_back(incomplete_scan_finding(kind, bounded.size(), text.size()));
}

// A window of up to `bytes` bytes of `text` before `pos` (or after `pos`
// with after = true), not cutting a UTF-8 character, folded into `out`.
void folded_window(std::string_view text, std::size_t pos, std::size_t bytes, bool after, std::string& out);

}  // namespace servir::guard
