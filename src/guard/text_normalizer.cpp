#include "guard/text_normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_set>

namespace servir::guard {
namespace {

// One code point of a view with the original bytes it came from.
struct Cp {
  char32_t c;
  std::uint32_t start;
  std::uint32_t end;
};

constexpr std::size_t kDeadlineCheckBytes = 4096;

// Decodes one UTF-8 code point at text[i]; invalid or truncated sequences
// read as U+FFFD of one byte.
char32_t decode_utf8(std::string_view text, std::size_t i, std::size_t& len) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) {
    len = 1;
    return b0;
  }
  std::size_t n = 0;
  char32_t c = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, c = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, c = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    len = 1;
    return 0xFFFD;
  }
  if (i + n > text.size()) {
    len = 1;
    return 0xFFFD;
  }
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) {
      len = 1;
      return 0xFFFD;
    }
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    len = 1;
    return 0xFFFD;
  }
  len = n;
  return c;
}

void append_utf8(char32_t c, std::uint32_t start, std::uint32_t end, NormalizedText& out) {
  char buf[4];
  std::size_t n = 0;
  if (c < 0x80) {
    buf[n++] = static_cast<char>(c);
  } else if (c < 0x800) {
    buf[n++] = static_cast<char>(0xC0 | (c >> 6));
    buf[n++] = static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    buf[n++] = static_cast<char>(0xE0 | (c >> 12));
    buf[n++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    buf[n++] = static_cast<char>(0x80 | (c & 0x3F));
  } else {
    buf[n++] = static_cast<char>(0xF0 | (c >> 18));
    buf[n++] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    buf[n++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    buf[n++] = static_cast<char>(0x80 | (c & 0x3F));
  }
  out.text.append(buf, n);
  for (std::size_t k = 0; k < n; ++k) {
    out.from.push_back(start);
    out.to.push_back(end);
  }
}

enum class Hidden : std::uint8_t { kNone, kZeroWidth, kBidiOverride, kBidiOther, kTag, kOther, kDrop };

bool is_ascii_letter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_newline(char32_t c) { return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029; }

// Cyrillic and Greek letters (case-folded) that pass for Latin ones.
char32_t latin_lookalike(char32_t c) {
  switch (c) {
    // Cyrillic
    case 0x0430:
      return 'a';
    case 0x0432:
      return 'b';
    case 0x0433:
      return 'r';
    case 0x0435:
      return 'e';
    case 0x0451:
      return 'e';
    case 0x0456:
      return 'i';
    case 0x0457:
      return 'i';
    case 0x0458:
      return 'j';
    case 0x043A:
      return 'k';
    case 0x043C:
      return 'm';
    case 0x043D:
      return 'h';
    case 0x043E:
      return 'o';
    case 0x043F:
      return 'n';
    case 0x0440:
      return 'p';
    case 0x0441:
      return 'c';
    case 0x0442:
      return 't';
    case 0x0443:
      return 'y';
    case 0x0445:
      return 'x';
    case 0x044C:
      return 'b';
    case 0x0455:
      return 's';
    case 0x04BB:
      return 'h';
    case 0x0501:
      return 'd';
    case 0x051B:
      return 'q';
    case 0x051D:
      return 'w';
    case 0x04CF:
      return 'l';
    case 0x0261:
      return 'g';
    // Greek
    case 0x03B1:
      return 'a';
    case 0x03B2:
      return 'b';
    case 0x03B3:
      return 'y';
    case 0x03B5:
      return 'e';
    case 0x03B7:
      return 'n';
    case 0x03B9:
      return 'i';
    case 0x03BA:
      return 'k';
    case 0x03BC:
      return 'u';
    case 0x03BD:
      return 'v';
    case 0x03BF:
      return 'o';
    case 0x03C0:
      return 'n';
    case 0x03C1:
      return 'p';
    case 0x03C3:
      return 'o';
    case 0x03C4:
      return 't';
    case 0x03C5:
      return 'u';
    case 0x03C7:
      return 'x';
    case 0x03C9:
      return 'w';
    default:
      return 0;
  }
}

char32_t unleet(char32_t c) {
  switch (c) {
    case '0':
      return 'o';
    case '1':
      return 'i';
    case '3':
      return 'e';
    case '4':
      return 'a';
    case '5':
      return 's';
    case '7':
      return 't';
    case '@':
      return 'a';
    case '$':
      return 's';
    default:
      return c;
  }
}
bool is_leet_symbol(char32_t c) { return c == '@' || c == '$'; }

// Separators people put between letters to split a word apart.
bool is_letter_separator(char32_t c) {
  switch (c) {
    case ' ':
    case '.':
    case '-':
    case '_':
    case '*':
    case '|':
    case '/':
    case '+':
    case '~':
    case ',':
    case '\'':
    case ':':
    case '\t':
      return true;
    default:
      return false;
  }
}

// Words a spaced-out run ("i g n o r e p r e v i o u s") is split back into.
constexpr std::string_view kSpacedVocabulary[] = {"ignore",
                                                  "ignoring",
                                                  "disregard",
                                                  "forget",
                                                  "skip",
                                                  "override",
                                                  "bypass",
                                                  "all",
                                                  "any",
                                                  "the",
                                                  "your",
                                                  "my",
                                                  "of",
                                                  "previous",
                                                  "prior",
                                                  "above",
                                                  "earlier",
                                                  "preceding",
                                                  "original",
                                                  "initial",
                                                  "instructions",
                                                  "instruction",
                                                  "rules",
                                                  "guidelines",
                                                  "directives",
                                                  "prompt",
                                                  "prompts",
                                                  "system",
                                                  "reveal",
                                                  "print",
                                                  "show",
                                                  "repeat",
                                                  "tell",
                                                  "me",
                                                  "what",
                                                  "is",
                                                  "are",
                                                  "you",
                                                  "now",
                                                  "from",
                                                  "on",
                                                  "new",
                                                  "dan",
                                                  "do",
                                                  "anything",
                                                  "developer",
                                                  "mode",
                                                  "enabled",
                                                  "no",
                                                  "restrictions",
                                                  "filters",
                                                  "jailbreak",
                                                  "jailbroken",
                                                  "act",
                                                  "as",
                                                  "and",
                                                  "everything",
                                                  "before",
                                                  "text",
                                                  "say",
                                                  "output",
                                                  "secret",
                                                  "password",
                                                  "key",
                                                  "hidden",
                                                  "ignora",
                                                  "olvida",
                                                  "todas",
                                                  "todo",
                                                  "las",
                                                  "los",
                                                  "instrucciones",
                                                  "anteriores",
                                                  "previas",
                                                  "reglas",
                                                  "tus",
                                                  "muestra",
                                                  "revela",
                                                  "sistema",
                                                  "del",
                                                  "ahora",
                                                  "eres",
                                                  "a",
                                                  "partir",
                                                  "de",
                                                  "игнорируй",
                                                  "забудь",
                                                  "все",
                                                  "всё",
                                                  "предыдущие",
                                                  "инструкции",
                                                  "правила",
                                                  "покажи",
                                                  "свой",
                                                  "системный",
                                                  "промпт",
                                                  "теперь",
                                                  "ты"};

}  // namespace

struct TextNormalizer::Impl {
  const icu::Normalizer2* nfkc_cf = nullptr;
  // identity[c] (c < 0x10000): NFKC_Casefold maps c, standing alone, to itself.
  std::vector<bool> identity;
  // Latin letter with diacritics (U+00C0..U+024F, folded) -> its ASCII base.
  std::array<char, 0x250 - 0xC0> latin_base{};
  std::unordered_set<std::u32string> vocabulary;
  std::size_t max_word = 0;

  Impl() {
    UErrorCode status = U_ZERO_ERROR;
    nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
    const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
    if (U_FAILURE(status)) {
      nfkc_cf = nullptr;
      return;
    }
    identity.assign(0x10000, false);
    icu::UnicodeString decomposition;
    for (char32_t c = 0; c < 0x10000; ++c) {
      if (c >= 0xD800 && c <= 0xDFFF) continue;
      identity[c] = !nfkc_cf->getDecomposition(static_cast<UChar32>(c), decomposition);
    }
    for (char32_t c = 0xC0; c < 0x250; ++c) {
      if (nfd->getDecomposition(static_cast<UChar32>(c), decomposition) && decomposition.length() > 0) {
        const UChar32 base = decomposition.char32At(0);
        if (base < 0x80 && is_ascii_letter(static_cast<char32_t>(base))) {
          latin_base[c - 0xC0] = static_cast<char>(base | 0x20);
        }
      }
    }
    latin_base[0x131 - 0xC0] = 'i';  // dotless i
    for (std::string_view w : kSpacedVocabulary) {
      std::u32string word;
      for (std::size_t i = 0; i < w.size();) {
        std::size_t len = 0;
        word.push_back(decode_utf8(w, i, len));
        i += len;
      }
      max_word = std::max(max_word, word.size());
      vocabulary.insert(std::move(word));
    }
  }

  static Hidden classify_hidden(char32_t c) {
    if (c < 0xAD) return Hidden::kNone;
    if (c == 0xAD) return Hidden::kZeroWidth;
    if (c >= 0x200B && c <= 0x200F) return Hidden::kZeroWidth;
    if (c >= 0x2060 && c <= 0x2064) return Hidden::kZeroWidth;
    if (c == 0xFEFF) return Hidden::kZeroWidth;
    if (c == 0x202D || c == 0x202E) return Hidden::kBidiOverride;
    if ((c >= 0x202A && c <= 0x202C) || (c >= 0x2066 && c <= 0x2069)) return Hidden::kBidiOther;
    if (c >= 0xE0000 && c <= 0xE007F) return Hidden::kTag;
    // Variation selectors shape emoji and CJK: dropped, never counted.
    if ((c >= 0xFE00 && c <= 0xFE0F) || (c >= 0xE0100 && c <= 0xE01EF)) return Hidden::kDrop;
    if (u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) return Hidden::kOther;
    return Hidden::kNone;
  }

  // Step 1: decode, drop and record invisible characters.
  void strip(std::string_view text, std::chrono::steady_clock::time_point deadline, std::vector<Cp>& out,
             NormalizeResult& result, std::string& tag_ascii, std::vector<Cp>& tag_spans) const {
    HiddenCharacters& h = result.hidden;
    const bool check_deadline = deadline != std::chrono::steady_clock::time_point::max();
    std::size_t next_check = kDeadlineCheckBytes;
    bool in_flag = false;  // inside U+1F3F4 + tag characters (a subdivision flag)
    std::size_t pending_zero_width = 0;
    std::size_t pending_joiners = 0;  // of those, ZWNJ and ZWJ
    std::size_t bidi_total = 0;
    auto note = [](std::size_t& count, std::size_t& first, std::size_t& last, std::size_t s, std::size_t e) {
      if (count++ == 0) first = s;
      last = e;
    };
    std::size_t i = 0;
    while (i < text.size()) {
      if (check_deadline && i >= next_check) {
        next_check = i + kDeadlineCheckBytes;
        if (std::chrono::steady_clock::now() >= deadline) {
          result.deadline_hit = true;
          break;
        }
      }
      std::size_t len = 0;
      const char32_t c = decode_utf8(text, i, len);
      const auto s = static_cast<std::uint32_t>(i);
      const auto e = static_cast<std::uint32_t>(i + len);
      i += len;
      const Hidden kind = classify_hidden(c);
      if (kind == Hidden::kNone) {
        if (pending_zero_width > 0) {
          if (!out.empty() && u_isalpha(static_cast<UChar32>(out.back().c)) && u_isalpha(static_cast<UChar32>(c))) {
            // ZWNJ/ZWJ and soft hyphens have real uses (Persian, Indic
            // scripts, hyphenation): inside words of Latin, Greek or
            // Cyrillic letters only the other zero-width characters count.
            const bool alphabetic = out.back().c < 0x530 && c < 0x530;
            h.zero_width_in_word += alphabetic ? pending_zero_width : pending_zero_width - pending_joiners;
          }
          pending_zero_width = 0;
          pending_joiners = 0;
        }
        in_flag = c == 0x1F3F4;
        out.push_back(Cp{c, s, e});
        continue;
      }
      switch (kind) {
        case Hidden::kZeroWidth:
          if (c == 0xFEFF && s == 0) break;  // a byte-order mark
          note(h.zero_width, h.zero_width_start, h.zero_width_end, s, e);
          if (c == 0xAD) break;  // a soft hyphen splits a word for layout, not for hiding
          ++pending_zero_width;
          if (c == 0x200C || c == 0x200D) ++pending_joiners;
          break;
        case Hidden::kBidiOverride:
          ++h.bidi_override;
          note(bidi_total, h.bidi_start, h.bidi_end, s, e);
          break;
        case Hidden::kBidiOther:
          ++h.bidi_other;
          note(bidi_total, h.bidi_start, h.bidi_end, s, e);
          break;
        case Hidden::kTag:
          if (in_flag) {
            if (c == 0xE007F) in_flag = false;
            break;
          }
          note(h.tag, h.tag_start, h.tag_end, s, e);
          if (c >= 0xE0020 && c <= 0xE007E) {
            tag_ascii.push_back(static_cast<char>(c - 0xE0000));
            tag_spans.push_back(Cp{c, s, e});
          } else if (!tag_ascii.empty() && tag_ascii.back() != ' ') {
            tag_ascii.push_back(' ');
            tag_spans.push_back(Cp{c, s, e});
          }
          break;
        case Hidden::kOther:
          ++h.other;
          break;
        case Hidden::kDrop:
        case Hidden::kNone:
          break;
      }
    }
    result.bytes_read = result.deadline_hit ? i : text.size();
  }

  // Step 2: NFKC_Casefold per normalization segment, then the small folds.
  void fold(const std::vector<Cp>& in, std::vector<Cp>& out) const {
    out.reserve(in.size());
    icu::UnicodeString segment;
    for (std::size_t i = 0; i < in.size();) {
      std::size_t j = i + 1;
      while (j < in.size() && in[j].c >= 0x300 && !nfkc_cf->hasBoundaryBefore(static_cast<UChar32>(in[j].c))) ++j;
      const char32_t c0 = in[i].c;
      if (j == i + 1 && c0 < 0x80) {
        push_folded(c0 >= 'A' && c0 <= 'Z' ? c0 + 32 : c0, in[i].start, in[i].end, out);
      } else if (j == i + 1 && c0 < 0x10000 && identity[c0]) {
        push_folded(c0, in[i].start, in[i].end, out);
      } else {
        segment.remove();
        for (std::size_t k = i; k < j; ++k) segment.append(static_cast<UChar32>(in[k].c));
        UErrorCode status = U_ZERO_ERROR;
        const icu::UnicodeString normalized = nfkc_cf->normalize(segment, status);
        if (U_FAILURE(status)) {
          for (std::size_t k = i; k < j; ++k) push_folded(in[k].c, in[k].start, in[k].end, out);
        } else {
          for (int32_t k = 0; k < normalized.length();) {
            const UChar32 c = normalized.char32At(k);
            push_folded(static_cast<char32_t>(c), in[i].start, in[j - 1].end, out);
            k += U16_LENGTH(c);
          }
        }
      }
      i = j;
    }
  }

  void push_folded(char32_t c, std::uint32_t s, std::uint32_t e, std::vector<Cp>& out) const {
    if (c >= 0x80) {
      if (c >= 0xC0 && c < 0x250 && latin_base[c - 0xC0] != 0) {
        c = static_cast<char32_t>(latin_base[c - 0xC0]);
      } else if (c == 0x451) {
        c = 0x435;  // ё -> е
      } else if (c == 0x2018 || c == 0x2019 || c == 0x201B || c == 0x2032) {
        c = '\'';
      } else if (c == 0x201C || c == 0x201D || c == 0x201E || c == 0x201F) {
        c = '"';
      } else if ((c >= 0x2010 && c <= 0x2015) || c == 0x2212) {
        c = '-';
      } else if (u_charType(static_cast<UChar32>(c)) == U_NON_SPACING_MARK) {
        return;
      } else if (c == 0xA0 || u_isUWhiteSpace(static_cast<UChar32>(c))) {
        c = is_newline(c) ? '\n' : ' ';
      }
    } else if (c < 0x20 || c == 0x7F) {
      c = is_newline(c) ? '\n' : ' ';
    }
    out.push_back(Cp{c, s, e});
  }

  static bool is_word_char(char32_t c) {
    if (c < 0x80) return is_ascii_letter(c) || is_ascii_digit(c) || is_leet_symbol(c);
    return u_isalpha(static_cast<UChar32>(c));
  }

  // Step 3: look-alikes in mixed-script words, leetspeak in letter+digit words.
  static void fold_words(std::vector<Cp>& cps) {
    for (std::size_t i = 0; i < cps.size();) {
      if (!is_word_char(cps[i].c)) {
        ++i;
        continue;
      }
      std::size_t j = i;
      bool latin = false, other_script = false, leet = false, letter = false;
      while (j < cps.size() && is_word_char(cps[j].c)) {
        const char32_t c = cps[j].c;
        if (c < 0x80) {
          if (is_ascii_letter(c)) {
            latin = letter = true;
          } else {
            leet = true;
          }
        } else {
          letter = true;
          if (latin_lookalike(c) != 0) {
            other_script = true;
          } else {
            UErrorCode status = U_ZERO_ERROR;
            if (uscript_getScript(static_cast<UChar32>(c), &status) == USCRIPT_LATIN) latin = true;
          }
        }
        ++j;
      }
      // A word of digits with a single '@' or '$' ("$100", "@3") is not leet.
      if (leet && letter) {
        for (std::size_t k = i; k < j; ++k) cps[k].c = unleet(cps[k].c);
      }
      if (latin && other_script) {
        for (std::size_t k = i; k < j; ++k) {
          if (const char32_t l = latin_lookalike(cps[k].c); l != 0) cps[k].c = l;
        }
      }
      i = j;
    }
  }

  // Splits a joined spaced-out run back into vocabulary words (fewest
  // unknown letters first); returns the positions after which a space goes.
  std::vector<bool> segment_run(const std::u32string& run) const {
    const std::size_t n = run.size();
    std::vector<bool> space_after(n, false);
    if (n > 4096) return space_after;
    constexpr std::size_t kInf = ~std::size_t{0} / 2;
    std::vector<std::size_t> cost(n + 1, kInf);
    std::vector<std::size_t> back(n + 1, 0);
    std::vector<bool> known(n + 1, false);
    cost[0] = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (cost[i] == kInf) continue;
      if (cost[i] + 1 < cost[i + 1]) {
        cost[i + 1] = cost[i] + 1, back[i + 1] = i, known[i + 1] = false;
      }
      for (std::size_t len = 1; len <= max_word && i + len <= n; ++len) {
        if (vocabulary.count(run.substr(i, len)) != 0 && cost[i] < cost[i + len]) {
          cost[i + len] = cost[i], back[i + len] = i, known[i + len] = true;
        }
      }
    }
    for (std::size_t at = n; at > 0;) {
      const std::size_t from = back[at];
      if (known[at]) {
        if (at < n) space_after[at - 1] = true;
        if (from > 0) space_after[from - 1] = true;
      }
      at = from;
    }
    return space_after;
  }

  // Step 4: collapse whitespace, join spaced-out letters, write UTF-8.
  void emit(const std::vector<Cp>& cps, NormalizeResult& result) const {
    NormalizedText& out = result.view;
    out.text.reserve(cps.size() + cps.size() / 4);
    out.from.reserve(out.text.capacity());
    out.to.reserve(out.text.capacity());
    auto is_letter = [](char32_t c) { return c < 0x80 ? is_ascii_letter(c) : u_isalpha(static_cast<UChar32>(c)) != 0; };
    auto single_letter_at = [&](std::size_t k) {
      return k < cps.size() && is_letter(cps[k].c) && (k == 0 || !is_letter(cps[k - 1].c)) &&
             (k + 1 >= cps.size() || !is_letter(cps[k + 1].c));
    };
    for (std::size_t i = 0; i < cps.size();) {
      const char32_t c = cps[i].c;
      if (c == ' ' || c == '\n') {
        std::size_t j = i;
        bool newline = false;
        while (j < cps.size() && (cps[j].c == ' ' || cps[j].c == '\n')) newline |= cps[j++].c == '\n';
        append_utf8(newline ? '\n' : ' ', cps[i].start, cps[j - 1].end, out);
        i = j;
        continue;
      }
      // letter sep letter sep letter ... with one repeated separator.
      if (single_letter_at(i) && i + 2 < cps.size() && is_letter_separator(cps[i + 1].c)) {
        const char32_t sep = cps[i + 1].c;
        std::size_t j = i;  // last letter of the run
        std::size_t letters = 1;
        while (j + 2 < cps.size() && cps[j + 1].c == sep && single_letter_at(j + 2)) {
          j += 2;
          ++letters;
        }
        if (letters >= 3) {
          std::u32string run;
          std::vector<const Cp*> src;
          for (std::size_t k = i; k <= j; k += 2) {
            run.push_back(cps[k].c);
            src.push_back(&cps[k]);
          }
          const std::vector<bool> space_after = segment_run(run);
          for (std::size_t k = 0; k < run.size(); ++k) {
            append_utf8(run[k], src[k]->start, src[k]->end, out);
            if (space_after[k]) append_utf8(' ', src[k]->end, src[k + 1]->start, out);
          }
          ++result.spaced_runs;
          i = j + 1;
          continue;
        }
      }
      append_utf8(c, cps[i].start, cps[i].end, out);
      ++i;
    }
  }

  void run(std::string_view text, std::chrono::steady_clock::time_point deadline, NormalizeResult& result) const {
    std::vector<Cp> stripped;
    stripped.reserve(text.size());
    std::string tag_ascii;
    std::vector<Cp> tag_spans;
    strip(text, deadline, stripped, result, tag_ascii, tag_spans);
    std::vector<Cp> folded;
    if (nfkc_cf != nullptr) {
      fold(stripped, folded);
    } else {
      folded = std::move(stripped);
    }
    fold_words(folded);
    emit(folded, result);
    if (!tag_ascii.empty()) {
      NormalizeResult inner;
      run(tag_ascii, std::chrono::steady_clock::time_point::max(), inner);
      NormalizedText& t = result.hidden.tag_text;
      t.text = std::move(inner.view.text);
      t.from.resize(t.text.size());
      t.to.resize(t.text.size());
      for (std::size_t k = 0; k < t.text.size(); ++k) {
        t.from[k] = tag_spans[inner.view.from[k]].start;
        t.to[k] = tag_spans[inner.view.to[k] - 1].end;
      }
    }
  }
};

TextNormalizer::TextNormalizer() : impl_(std::make_unique<Impl>()) {}
TextNormalizer::~TextNormalizer() = default;

NormalizeResult TextNormalizer::normalize(std::string_view text, std::chrono::steady_clock::time_point deadline) const {
  NormalizeResult result;
  impl_->run(text, deadline, result);
  return result;
}

}  // namespace servir::guard
