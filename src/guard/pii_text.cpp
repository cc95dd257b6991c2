#include "guard/pii_text.h"

#include <algorithm>

#include <unicode/uchar.h>

namespace servir::guard {

char32_t utf8_code_point_at(std::string_view text, std::size_t pos, std::size_t* len) {
  *len = 1;
  if (pos >= text.size()) return 0;
  const auto b0 = static_cast<unsigned char>(text[pos]);
  if (b0 < 0x80) return b0;
  int n = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 1;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 2;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 3;
    cp = b0 & 0x07;
  } else {
    return 0xFFFD;
  }
  if (pos + static_cast<std::size_t>(n) >= text.size()) return 0xFFFD;
  for (int i = 1; i <= n; ++i) {
    const auto b = static_cast<unsigned char>(text[pos + i]);
    if ((b & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (b & 0x3F);
  }
  *len = static_cast<std::size_t>(n) + 1;
  return cp;
}

char32_t utf8_code_point_before(std::string_view text, std::size_t pos) {
  if (pos == 0 || pos > text.size()) return 0;
  std::size_t start = pos - 1;
  int back = 0;
  while (start > 0 && back < 3 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
    --start;
    ++back;
  }
  std::size_t len = 0;
  const char32_t cp = utf8_code_point_at(text, start, &len);
  if (start + len != pos) return 0xFFFD;
  return cp;
}

bool is_word_code_point(char32_t c) {
  if (c < 0x80) return is_ascii_alnum(static_cast<char>(c)) || c == '_';
  if (c == 0xFFFD) return false;
  return u_isalnum(static_cast<UChar32>(c)) != 0;
}

bool word_char_before(std::string_view text, std::size_t pos) {
  return pos > 0 && is_word_code_point(utf8_code_point_before(text, pos));
}

bool word_char_at(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return false;
  std::size_t len = 0;
  return is_word_code_point(utf8_code_point_at(text, pos, &len));
}

void fold_case_append(std::string_view in, std::string& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto b = static_cast<unsigned char>(in[i]);
    if (b >= 'A' && b <= 'Z') {
      out.push_back(static_cast<char>(b + 32));
    } else if (b == 0xD0 && i + 1 < in.size()) {  // U+0400..U+043F
      const auto c = static_cast<unsigned char>(in[i + 1]);
      ++i;
      if (c == 0x81) {  // Ё -> е
        out += "\xD0\xB5";
      } else if (c >= 0x90 && c <= 0x9F) {  // А..П -> а..п
        out.push_back(static_cast<char>(0xD0));
        out.push_back(static_cast<char>(c + 0x20));
      } else if (c >= 0xA0 && c <= 0xAF) {  // Р..Я -> р..я
        out.push_back(static_cast<char>(0xD1));
        out.push_back(static_cast<char>(c - 0x20));
      } else {
        out.push_back(static_cast<char>(b));
        out.push_back(static_cast<char>(c));
      }
    } else if (b == 0xD1 && i + 1 < in.size() && static_cast<unsigned char>(in[i + 1]) == 0x91) {  // ё -> е
      out += "\xD0\xB5";
      ++i;
    } else if (b == 0xC3 && i + 1 < in.size()) {  // Latin-1 capitals
      const auto c = static_cast<unsigned char>(in[i + 1]);
      ++i;
      out.push_back(static_cast<char>(b));
      out.push_back(static_cast<char>(c >= 0x80 && c <= 0x9E && c != 0x97 ? c + 0x20 : c));
    } else {
      out.push_back(static_cast<char>(b));
    }
  }
}

ContextLexicon::ContextLexicon(std::initializer_list<Entry> entries) {
  words_.reserve(entries.size());
  for (const Entry& e : entries) {
    Word w;
    std::string_view word = e.word;
    w.whole = !word.empty() && word.back() == '$';
    if (w.whole) word.remove_suffix(1);
    fold_case_append(word, w.text);
    w.category = e.category;
    if (w.text.empty()) continue;
    by_first_byte_[static_cast<unsigned char>(w.text[0])].push_back(static_cast<int>(words_.size()));
    words_.push_back(std::move(w));
  }
}

template <typename Visit>
void ContextLexicon::for_each_match(std::string_view folded, Visit visit) const {
  for (std::size_t p = 0; p < folded.size(); ++p) {
    const std::vector<int>& bucket = by_first_byte_[static_cast<unsigned char>(folded[p])];
    if (bucket.empty() || word_char_before(folded, p)) continue;
    for (int idx : bucket) {
      const Word& w = words_[static_cast<std::size_t>(idx)];
      if (folded.compare(p, w.text.size(), w.text) != 0) continue;
      if (w.whole && word_char_at(folded, p + w.text.size())) continue;
      visit(w, p);
    }
  }
}

ContextLexicon::Distances ContextLexicon::nearest_from_end(std::string_view folded) const {
  Distances d;
  d.fill(-1);
  for_each_match(folded, [&](const Word& w, std::size_t p) {
    const int dist = static_cast<int>(folded.size() - std::min(folded.size(), p + w.text.size()));
    if (d[w.category] < 0 || dist < d[w.category]) d[w.category] = dist;
  });
  return d;
}

ContextLexicon::Distances ContextLexicon::first_from_start(std::string_view folded) const {
  Distances d;
  d.fill(-1);
  for_each_match(folded, [&](const Word& w, std::size_t p) {
    if (d[w.category] < 0) d[w.category] = static_cast<int>(p);
  });
  return d;
}

std::size_t scan_segment_end(std::string_view text, std::size_t begin, std::size_t target_bytes) {
  if (text.size() - begin <= target_bytes) return text.size();
  const std::size_t target = begin + target_bytes;
  const std::size_t floor = target - target_bytes / 4;
  for (std::size_t i = target; i > floor; --i) {
    if (text[i - 1] == '\n') return i;
  }
  auto safe = [](char c) { return !is_ascii_digit(c) && !(c >= 'A' && c <= 'Z'); };
  for (std::size_t i = target; i > floor; --i) {
    if (text[i - 1] == ' ' && i >= 2 && safe(text[i - 2]) && safe(text[i]) && text[i] != ' ') return i;
  }
  std::size_t i = target;
  while (i > begin + 1 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;
  return i;
}

void folded_window(std::string_view text, std::size_t pos, std::size_t bytes, bool after, std::string& out) {
  out.clear();
  std::size_t begin = 0;
  std::size_t end = 0;
  if (after) {
    begin = std::min(pos, text.size());
    end = std::min(text.size(), begin + bytes);
    while (end < text.size() && end > begin && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  } else {
    end = std::min(pos, text.size());
    begin = end > bytes ? end - bytes : 0;
    while (begin < end && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) ++begin;
  }
  fold_case_append(text.substr(begin, end - begin), out);
}

}  // namespace servir::guard
