// Hand-written detectors for the PII types that mix letters and digits:
// e-mail addresses, IBANs, IPv6 addresses and Spanish DNI/NIE/CIF. Each
// scan is linear: every expansion is bounded by the longest valid match.
#include <array>
#include <cstring>
#include <string>

#include "guard/pii_candidates.h"
#include "guard/pii_checksums.h"
#include "guard/pii_text.h"

namespace servir::guard {
namespace {

constexpr std::size_t kMaxLocalPart = 64;
constexpr std::size_t kMaxDomain = 253;

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_hex(char c) { return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool local_part_char(char c) {
  return is_ascii_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\'';
}

// Domain labels: ASCII letters, digits, '-', and non-ASCII letters (IDN).
// Returns the end of the domain starting at `pos`, or `pos` when none; sets
// `tld_ok` when the last label is 2+ letters.
std::size_t scan_domain(std::string_view text, std::size_t pos, bool* tld_ok) {
  *tld_ok = false;
  std::size_t i = pos;
  std::size_t label_start = pos;
  const std::size_t limit = std::min(text.size(), pos + kMaxDomain);
  bool label_all_letters = true;
  while (i < limit) {
    const char c = text[i];
    if (is_ascii_alnum(c) || c == '-') {
      if (!is_ascii_alpha(c)) label_all_letters = false;
      ++i;
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      std::size_t len = 0;
      const char32_t cp = utf8_code_point_at(text, i, &len);
      if (!is_word_code_point(cp)) break;
      i += len;
      continue;
    }
    if (c == '.' && i > label_start && i + 1 < limit && (word_char_at(text, i + 1))) {
      if (text[i - 1] == '-') break;
      ++i;
      label_start = i;
      label_all_letters = true;
      continue;
    }
    break;
  }
  if (i > label_start && label_start > pos && text[i - 1] != '-') {
    // The last label is the TLD: 2+ letters (ASCII or not).
    const std::string_view tld = text.substr(label_start, i - label_start);
    const bool ascii_tld = label_all_letters && tld.size() >= 2;
    bool unicode_tld = false;
    if (!ascii_tld && static_cast<unsigned char>(tld[0]) >= 0x80) {
      unicode_tld = true;
      for (char c : tld) {
        if (is_ascii_digit(c) || c == '-') unicode_tld = false;
      }
    }
    if (ascii_tld || unicode_tld) {
      *tld_ok = true;
      return i;
    }
  }
  return pos;
}

}  // namespace

void find_emails(std::string_view text, std::size_t from, std::size_t to, std::vector<PiiCandidate>& out) {
  std::size_t at = text.find('@', from);
  std::size_t next_free = from;  // no candidate may start before this (no overlaps)
  while (at != std::string_view::npos && at < to + kMaxLocalPart && at < text.size()) {
    // Local part: back over its characters (ASCII, or letters of any script).
    std::size_t start = at;
    while (start > next_free && at - start < kMaxLocalPart) {
      const char c = text[start - 1];
      if (local_part_char(c)) {
        --start;
        continue;
      }
      if (static_cast<unsigned char>(c) >= 0x80) {
        const char32_t cp = utf8_code_point_before(text, start);
        if (is_word_code_point(cp)) {
          while (start > 0 && (static_cast<unsigned char>(text[start - 1]) & 0xC0) == 0x80) --start;
          if (start > 0) --start;
          continue;
        }
      }
      break;
    }
    while (start < at && (text[start] == '.' || text[start] == '\'' || text[start] == '-')) ++start;
    bool tld_ok = false;
    const std::size_t end = scan_domain(text, at + 1, &tld_ok);
    const bool glued_left = start > 0 && word_char_before(text, start);
    // "scheme://user:password@host" is a credential in a URL, not an e-mail
    // (the secrets scanner's CONNECTION_STRING); "mailto:" is an e-mail.
    bool url_userinfo = false;
    if (start > 0 && text[start - 1] == ':') {
      for (std::size_t k = start - 1; k > 0 && start - k < 256; --k) {
        const char b = text[k - 1];
        if (b == ' ' || b == '\n' || b == '\t' || b == '"' || b == '<') break;
        if (b == ':' && text.substr(k - 1, 3) == "://") {
          url_userinfo = true;
          break;
        }
      }
    }
    if (start < at && start >= from && start < to && tld_ok && !glued_left && !url_userinfo && text[at - 1] != '.' &&
        !word_char_at(text, end)) {
      out.push_back(PiiCandidate{
          .type = PiiType::kEmail, .start = start, .end = end, .rule = "pii.email", .base = 0.9, .context_at = start});
      next_free = end;
    }
    at = text.find('@', std::max(at + 1, next_free));
  }
}

void find_ibans(std::string_view text, std::size_t from, std::size_t to, std::vector<PiiCandidate>& out) {
  std::string compact;
  for (std::size_t i = from; i + 4 <= text.size() && i < to; ++i) {
    if (!is_upper(text[i]) || !is_upper(text[i + 1]) || !is_ascii_digit(text[i + 2]) || !is_ascii_digit(text[i + 3])) {
      continue;
    }
    if (word_char_before(text, i)) continue;
    const int length = iban_length_for_country(text.substr(i, 2));
    if (length == 0) continue;
    // Gather `length` characters, allowing one space or '-' between them.
    compact.clear();
    std::size_t j = i;
    while (j < text.size() && static_cast<int>(compact.size()) < length) {
      const char c = text[j];
      if (is_ascii_digit(c) || is_upper(c)) {
        compact.push_back(c);
        ++j;
      } else if ((c == ' ' || c == '-') && j + 1 < text.size() && j > i && text[j - 1] != ' ' && text[j - 1] != '-' &&
                 is_ascii_alnum(text[j + 1])) {
        ++j;
      } else {
        break;
      }
    }
    if (static_cast<int>(compact.size()) != length || word_char_at(text, j)) continue;
    if (!iban_valid(compact)) continue;
    out.push_back(PiiCandidate{
        .type = PiiType::kIban, .start = i, .end = j, .rule = "pii.iban.mod97", .base = 0.95, .context_at = i});
    i = j - 1;
  }
}

namespace {

// Parses an IPv6 address (RFC 4291 text forms: full, "::"-compressed, and
// a trailing dotted IPv4). Returns the number of explicit 16-bit groups, or
// -1 when `s` is not an address.
int parse_ipv6(std::string_view s, bool* has_v4) {
  *has_v4 = false;
  if (s.size() < 2 || s.size() > 45) return -1;
  int groups = 0;
  bool compressed = false;
  std::size_t i = 0;
  if (s.substr(0, 2) == "::") {
    compressed = true;
    i = 2;
    if (i == s.size()) return -1;  // "::" alone says nothing
  } else if (s[0] == ':') {
    return -1;
  }
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && is_hex(s[j]) && j - i < 5) ++j;
    if (j < s.size() && s[j] == '.') {
      // Embedded IPv4: d.d.d.d to the end.
      int octets = 0;
      std::size_t k = i;
      while (k < s.size()) {
        std::size_t m = k;
        int value = 0;
        while (m < s.size() && is_ascii_digit(s[m]) && m - k < 3) value = value * 10 + (s[m++] - '0');
        if (m == k || value > 255) return -1;
        ++octets;
        if (m == s.size()) break;
        if (s[m] != '.' || octets == 4) return -1;
        k = m + 1;
      }
      if (octets != 4) return -1;
      *has_v4 = true;
      groups += 2;
      i = s.size();
      break;
    }
    if (j == i || j - i > 4) return -1;
    ++groups;
    if (j == s.size()) {
      i = j;
      break;
    }
    if (s[j] != ':') return -1;
    if (j + 1 < s.size() && s[j + 1] == ':') {
      if (compressed) return -1;
      compressed = true;
      i = j + 2;
      if (i == s.size()) break;
    } else {
      i = j + 1;
      if (i == s.size()) return -1;  // trailing single ':'
    }
  }
  if (groups > 8 || (!compressed && groups != 8) || (compressed && groups > 7)) return -1;
  return groups;
}

bool ipv6_char(char c) { return is_hex(c) || c == ':' || c == '.'; }

}  // namespace

void find_ipv6(std::string_view text, std::size_t from, std::size_t to, std::vector<PiiCandidate>& out) {
  std::size_t colon = text.find(':', from);
  std::size_t resume = from;
  while (colon != std::string_view::npos && colon < to + 40) {
    std::size_t start = colon;
    while (start > resume && colon - start < 40 && ipv6_char(text[start - 1])) --start;
    std::size_t end = colon;
    while (end < text.size() && end - start < 45 && ipv6_char(text[end])) ++end;
    // A sentence may end right after the address.
    std::size_t trimmed = end;
    while (trimmed > colon + 1 && (text[trimmed - 1] == '.' || text[trimmed - 1] == ':') &&
           !(trimmed >= 2 && text.substr(trimmed - 2, 2) == "::")) {
      --trimmed;
    }
    bool has_v4 = false;
    const bool bounded = start >= from && start < to && !word_char_before(text, start) && !word_char_at(text, end);
    const int groups = bounded ? parse_ipv6(text.substr(start, trimmed - start), &has_v4) : -1;
    if (groups >= 1) {
      // Short compressed forms ("fe80::1", "::1") are real but look like
      // other things (C++ scopes) more often than full addresses do.
      const double base = (groups >= 4 || has_v4) ? 0.85 : (groups >= 2 ? 0.65 : 0.55);
      out.push_back(PiiCandidate{.type = PiiType::kIp,
                                 .start = start,
                                 .end = trimmed,
                                 .rule = "pii.ip.v6",
                                 .base = base,
                                 .context_at = start});
    }
    resume = std::max(end, colon + 1);
    colon = text.find(':', resume);
  }
}

namespace {

// Appends the `n` digits starting at `pos` to `digits` and returns their
// end, or npos when there are fewer than `n`.
std::size_t take_digits(std::string_view text, std::size_t pos, int n, std::string& digits) {
  std::size_t i = pos;
  int taken = 0;
  while (i < text.size() && taken < n && is_ascii_digit(text[i])) {
    digits.push_back(text[i++]);
    ++taken;
  }
  return taken == n ? i : std::string_view::npos;
}

}  // namespace

void find_spanish_ids(std::string_view text, std::size_t from, std::size_t to, std::vector<PiiCandidate>& out) {
  std::string id;
  const std::size_t limit = std::min(to, text.size());
  for (std::size_t i = from; i < limit; ++i) {
    const char c = text[i];
    if (!is_ascii_alnum(c) || word_char_before(text, i)) continue;
    if (i > 0 && (text[i - 1] == '-' || text[i - 1] == '.') && i > 1 && is_ascii_alnum(text[i - 2])) continue;
    id.clear();
    if (is_ascii_digit(c)) {
      // DNI: 8 digits ("12345678" or "12.345.678"), optional '-' or ' ', a letter.
      std::size_t j = i;
      std::string digits;
      while (j < text.size() && digits.size() < 8) {
        if (is_ascii_digit(text[j])) {
          digits.push_back(text[j++]);
        } else if (text[j] == '.' && (digits.size() == 2 || digits.size() == 5) && j + 1 < text.size() &&
                   is_ascii_digit(text[j + 1])) {
          ++j;
        } else {
          break;
        }
      }
      if (digits.size() != 8 || (j < text.size() && is_ascii_digit(text[j]))) continue;
      if (j < text.size() && (text[j] == '-' || text[j] == ' ')) ++j;
      // The check letter is upper-case by rule; people type it lower-case too.
      if (j >= text.size() || !is_ascii_alpha(text[j]) || word_char_at(text, j + 1)) continue;
      id = digits + static_cast<char>(text[j] & ~0x20);
      if (es_dni_valid(id)) {
        out.push_back(PiiCandidate{.type = PiiType::kNif,
                                   .start = i,
                                   .end = j + 1,
                                   .rule = "pii.es_nif.letter",
                                   .base = 0.9,
                                   .context_at = i});
      }
      i = j;
      continue;
    }
    if (!is_upper(c)) continue;
    // NIE "X1234567L" / CIF "B12345674", optionally "X-1234567-L".
    std::size_t j = i + 1;
    if (j < text.size() && text[j] == '-') ++j;
    id.push_back(c);
    j = take_digits(text, j, 7, id);
    if (j == std::string_view::npos) continue;
    if (j < text.size() && text[j] == '-') ++j;
    if (j >= text.size() || !is_ascii_alnum(text[j]) || word_char_at(text, j + 1)) continue;
    id.push_back(is_ascii_alpha(text[j]) && (c == 'X' || c == 'Y' || c == 'Z') ? static_cast<char>(text[j] & ~0x20)
                                                                               : text[j]);
    if (c == 'X' || c == 'Y' || c == 'Z') {
      if (es_nie_valid(id)) {
        out.push_back(PiiCandidate{.type = PiiType::kNie,
                                   .start = i,
                                   .end = j + 1,
                                   .rule = "pii.es_nie.letter",
                                   .base = 0.9,
                                   .context_at = i});
      }
    } else if (es_cif_valid(id)) {
      out.push_back(PiiCandidate{.type = PiiType::kCif,
                                 .start = i,
                                 .end = j + 1,
                                 .rule = "pii.es_cif.control",
                                 .base = 0.75,
                                 .context_at = i});
    }
    i = j;
  }
}

}  // namespace servir::guard
