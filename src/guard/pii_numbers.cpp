// Numbers written with separators: PHONE_NUMBER, CREDIT_CARD, US_SSN,
// RU_INN, RU_SNILS, RU_OGRN and IPv4.
//
// A "chain" is a maximal run of digit groups joined by one short separator
// ("-", ".", "/", a space or non-breaking space, ") ", " (", " - "). Every
// type reads a contiguous run of the chain's groups (a sub-chain) and says
// whether its digits, group sizes and separators fit, checksums first. A
// sub-chain may be cut from its chain only at a plain space or a '/' (as in
// "ИНН/КПП 7707083893/773601001"), so the tail of
// "2024-4111111111111111" is not a card; a chain glued to letters or digits
// ("v1.2.3.4", "a716-446655440000", "12,5") yields nothing. Sub-chains span
// at most 7 groups and 19 digits, so the work per group is bounded.
#include <array>
#include <string>

#include "guard/pii_candidates.h"
#include "guard/pii_checksums.h"
#include "guard/pii_text.h"

namespace servir::guard {
namespace {

constexpr std::size_t kMaxGroups = 7;
constexpr std::size_t kMaxDigits = 19;
// A number cut out of a longer run of space-separated groups is more often
// a fragment than a number of its own: it needs context to be reported.
constexpr double kCutPenalty = 0.25;

struct Group {
  std::size_t start;
  std::size_t end;
};

struct Chain {
  std::size_t span_start = 0;  // the '+' or '(' before the first digit, or the digit
  bool plus = false;
  bool left_ok = true;  // nothing glued before the chain
  std::vector<Group> groups;
  std::vector<std::string> gaps;  // gaps[i] joins groups[i] and groups[i + 1]; Unicode spaces read as ' '
  bool right_ok = true;           // nothing glued after the chain
  bool right_port = false;        // glued after only by ":<digits>" (an IPv4 port)
};

// Reads a separator at `pos` into `gap` (spaces normalised); returns its end,
// or npos when what follows is not a separator followed by a digit.
std::size_t read_gap(std::string_view text, std::size_t pos, std::string& gap) {
  gap.clear();
  std::size_t i = pos;
  while (i < text.size() && gap.size() < 3) {
    const char c = text[i];
    if (c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')') {
      gap.push_back(c);
      ++i;
    } else if (text.substr(i, 2) == "\xC2\xA0") {  // no-break space
      gap.push_back(' ');
      i += 2;
    } else if (text.substr(i, 3) == "\xE2\x80\xAF" || text.substr(i, 3) == "\xE2\x80\x89") {  // narrow / thin space
      gap.push_back(' ');
      i += 3;
    } else {
      break;
    }
  }
  if (gap.empty() || i >= text.size() || !is_ascii_digit(text[i])) return std::string_view::npos;
  static constexpr std::array<std::string_view, 10> kAllowed = {" ", "-", ".", "/", " - ", ") ", ")", " (", "(", ")-"};
  for (std::string_view a : kAllowed) {
    if (gap == a) return i;
  }
  return std::string_view::npos;
}

bool glued_before(std::string_view text, std::size_t pos) {
  if (pos == 0) return false;
  if (word_char_before(text, pos)) return true;
  const char p = text[pos - 1];
  if (pos >= 2) {
    const char pp = text[pos - 2];
    if ((p == '-' || p == '/') && is_ascii_alnum(pp)) return true;
    if ((p == '.' || p == ',' || p == ':') && is_ascii_digit(pp)) return true;
  }
  // "user@1234...", "?id=1234...", "$1234...".
  return p == '@' || p == '$' || p == '&' || p == '=' || p == '%';
}

bool glued_after(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return false;
  if (word_char_at(text, pos)) return true;
  const char n = text[pos];
  if (pos + 1 < text.size()) {
    const char nn = text[pos + 1];
    if ((n == '-' || n == '/' || n == '@') && is_ascii_alnum(nn)) return true;
    if ((n == '.' || n == ',' || n == ':') && is_ascii_digit(nn)) return true;
  }
  return n == '%';
}

// "555-123-4567x123", "... ext. 12": an extension after a phone number does
// not glue it to a word (the span stops before it).
bool phone_extension_at(std::string_view text, std::size_t pos) {
  std::size_t i = pos;
  if (i < text.size() && (text[i] == 'x' || text[i] == 'X')) {
    ++i;
  } else {
    return false;
  }
  std::size_t digits = 0;
  while (i < text.size() && is_ascii_digit(text[i])) {
    ++i;
    ++digits;
  }
  return digits >= 1 && digits <= 6 && !word_char_at(text, i);
}

// ITU-T E.164 country codes: 1 and 7; the assigned two-digit codes; and
// the zones whose three-digit codes are assigned.
bool is_two_digit_cc(int cc) {
  static constexpr std::array<int, 44> kCodes = {20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46,
                                                 47, 48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63,
                                                 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98};
  for (int c : kCodes) {
    if (c == cc) return true;
  }
  return false;
}

bool is_three_digit_zone(int zone) {
  static constexpr std::array<int, 23> kZones = {21, 22, 23, 24, 25, 26, 29, 35, 37, 38, 42, 50,
                                                 59, 67, 68, 69, 80, 85, 87, 88, 96, 97, 99};
  for (int z : kZones) {
    if (z == zone) return true;
  }
  return false;
}

struct Sub {
  std::string digits;
  std::vector<std::size_t> sizes;
  std::vector<std::string_view> gaps;
  bool plus = false;
  bool parens = false;
  bool all_gaps(std::string_view g) const {
    for (std::string_view x : gaps) {
      if (x != g) return false;
    }
    return true;
  }
  bool uniform_space_or_dash() const { return !gaps.empty() && (all_gaps(" ") || all_gaps("-")); }
  bool sizes_are(std::initializer_list<std::size_t> s) const {
    return sizes.size() == s.size() && std::equal(s.begin(), s.end(), sizes.begin());
  }
  bool any_gap(char c) const {
    for (std::string_view x : gaps) {
      if (x.find(c) != std::string_view::npos) return true;
    }
    return false;
  }
};

struct Verdict {
  PiiType type;
  std::string_view rule;
  double base;
};

void card(const Sub& s, std::vector<Verdict>& v) {
  const std::size_t n = s.digits.size();
  if (n < 12 || s.plus || s.parens) return;
  bool layout = false;
  if (s.sizes.size() == 1) {
    layout = n >= 13;
  } else if (s.uniform_space_or_dash()) {
    layout = s.sizes_are({4, 6, 5}) || s.sizes_are({4, 6, 4});
    if (!layout && s.sizes.size() >= 3) {
      layout = true;
      for (std::size_t i = 0; i + 1 < s.sizes.size(); ++i) layout = layout && s.sizes[i] == 4;
      layout = layout && s.sizes.back() >= 1 && s.sizes.back() <= 4;
    }
  }
  if (layout && payment_card_valid(s.digits)) {
    v.push_back({PiiType::kCard, "pii.card.luhn", s.sizes.size() == 1 ? 0.8 : 0.9});
  }
}

void ssn(const Sub& s, std::vector<Verdict>& v) {
  if (s.digits.size() != 9 || s.plus || s.parens || !us_ssn_valid(s.digits)) return;
  if (s.sizes_are({3, 2, 4}) && s.all_gaps("-")) {
    v.push_back({PiiType::kSsn, "pii.ssn.format", 0.6});
  } else if (s.sizes_are({3, 2, 4}) && s.all_gaps(" ")) {
    v.push_back({PiiType::kSsn, "pii.ssn.format", 0.45});
  } else if (s.sizes.size() == 1) {
    v.push_back({PiiType::kSsn, "pii.ssn.format", 0.3});
  }
}

void russian_ids(const Sub& s, std::vector<Verdict>& v) {
  const std::size_t n = s.digits.size();
  if (s.plus || s.parens) return;
  if (n == 11 && ru_snils_valid(s.digits)) {
    const bool exempt = ru_snils_exempt(s.digits);
    double base = 0.0;
    if (s.sizes_are({3, 3, 3, 2}) && s.gaps[0] == "-" && s.gaps[1] == "-" && (s.gaps[2] == " " || s.gaps[2] == "-")) {
      base = 0.8;
    } else if (s.sizes_are({3, 3, 3, 2}) && s.all_gaps(" ")) {
      base = 0.6;
    } else if (s.sizes.size() == 1) {
      base = 0.35;
    }
    if (base > 0) v.push_back({PiiType::kSnils, "pii.snils.mod101", exempt ? base - 0.3 : base});
  }
  if (s.sizes.size() != 1) return;
  if ((n == 10 || n == 12) && s.digits.compare(0, 2, "00") != 0 && ru_inn_valid(s.digits)) {
    v.push_back({PiiType::kInn, "pii.inn.checksum", n == 12 ? 0.4 : 0.35});
  }
  if (n == 13 && ru_ogrn_valid(s.digits)) v.push_back({PiiType::kOgrn, "pii.ogrn.mod11", 0.4});
  if (n == 15 && ru_ogrnip_valid(s.digits)) v.push_back({PiiType::kOgrn, "pii.ogrnip.mod13", 0.4});
}

void phone(const Sub& s, std::vector<Verdict>& v) {
  const std::string& d = s.digits;
  const std::size_t n = d.size();
  const std::size_t groups = s.sizes.size();
  // Mixed separators that read as dates and times ("12.05.2023 14.30").
  if (s.any_gap('.') && !s.all_gaps(".")) return;
  if (s.any_gap('/') && groups > 2) return;
  std::size_t cc_len = 0;
  if (s.plus) {
    if (n < 8 || n > 15 || !starts_with_country_code(d, &cc_len) || cc_len > s.sizes[0]) return;
    v.push_back({PiiType::kPhone, "pii.phone.e164", 0.85});
    return;
  }
  // The SNILS layout ("123-456-789 01") with a failed checksum is no phone.
  if (s.sizes_are({3, 3, 3, 2})) return;
  // Nor is the SSN layout ("666-22-1234") with a number the SSA never issues.
  if (s.sizes_are({3, 2, 4})) return;
  if (n >= 10 && d.compare(0, 2, "00") == 0 && n - 2 >= 8 && n - 2 <= 15 &&
      starts_with_country_code(std::string_view(d).substr(2), &cc_len) && s.sizes[0] >= 2) {
    // "0034 612 345 678"; written without groups it needs context.
    v.push_back({PiiType::kPhone, "pii.phone.intl", groups > 1 ? 0.6 : 0.35});
    return;
  }
  if (n < 9 || n > 13) return;
  if (groups == 1) {
    // Unbroken digits are a phone only with context; the shapes of Spanish
    // mobiles, Russian 8-9xx and North American numbers need a little less.
    const bool shaped = (n == 9 && (d[0] == '6' || d[0] == '7')) || (n == 11 && d[0] == '8' && d[1] == '9') ||
                        (n == 10 && d[0] >= '2' && d[3] >= '2');
    if (n <= 12) v.push_back({PiiType::kPhone, "pii.phone.national", shaped ? 0.35 : 0.3});
    return;
  }
  if (groups > 6 || s.sizes.back() < 2) return;
  for (std::size_t i = 1; i < groups; ++i) {
    if (s.sizes[i] < 2 && !(i == 1 && groups >= 4)) return;  // "+54 9 11 ..." style single digits only early
    if (s.sizes[i] > 5 && !(groups == 2 && i == 1 && s.sizes[i] <= 8)) return;
  }
  if (s.sizes[0] > 5) return;
  const bool dotted = s.all_gaps(".");
  // Thousands: "1 234 567 890", "12.345.678.901".
  bool thousands = s.sizes[0] <= 3;
  for (std::size_t i = 1; i < groups; ++i) thousands = thousands && s.sizes[i] == 3;
  thousands = thousands && (s.all_gaps(" ") || dotted);
  const bool es_mobile = n == 9 && d[0] >= '6' && d[0] <= '9' &&
                         (s.sizes_are({3, 3, 3}) || s.sizes_are({3, 2, 2, 2}) || s.sizes_are({2, 3, 2, 2}));
  if (thousands && !es_mobile) return;
  if (dotted && groups == 4 && s.sizes[0] <= 3 && s.sizes[1] <= 3 && s.sizes[2] <= 3 && s.sizes[3] <= 3) return;
  const bool nanp =
      (n == 10 && d[0] >= '2' && d[3] >= '2' && groups >= 2 && s.sizes.back() == 4 && s.sizes[groups - 2] == 3) ||
      (n == 11 && d[0] == '1' && d[1] >= '2' && d[4] >= '2' && s.sizes_are({1, 3, 3, 4}));
  const bool ru = n == 11 && (d[0] == '8' || d[0] == '7') && s.sizes[0] == 1 &&
                  (s.sizes_are({1, 3, 3, 2, 2}) || s.sizes_are({1, 3, 3, 4}) || s.sizes_are({1, 3, 7}));
  const bool fr = n == 10 && d[0] == '0' && d[1] != '0' && s.sizes_are({2, 2, 2, 2, 2});
  const bool known = nanp || ru || fr || es_mobile;
  // Two groups are an area code and a number ("030 12345678", "07700
  // 900123"): the area code starts with the trunk 0 or is in parentheses.
  // "2021-11170" is a year and a serial.
  if (groups == 2 && !known && d[0] != '0' && !s.parens) return;
  // Dots separate phone groups in French and North American writing only;
  // other dotted runs are dates, versions and outline numbers.
  if (dotted && !fr && !s.sizes_are({3, 3, 4})) return;
  v.push_back({PiiType::kPhone, "pii.phone.national", known ? 0.6 : 0.5});
}

void evaluate(const Sub& s, std::vector<Verdict>& v) {
  card(s, v);
  ssn(s, v);
  russian_ids(s, v);
  phone(s, v);
}

// Whether a group of four upper-case letters and digits, with a letter,
// comes just before `pos` ("NL57 TAAW 2109 8903 02"): the digits continue an
// account number, whatever its checksum says.
bool after_iban_group(std::string_view text, std::size_t pos) {
  if (pos < 5 || text[pos - 1] != ' ') return false;
  bool letter = false;
  for (std::size_t k = pos - 5; k < pos - 1; ++k) {
    const char ch = text[k];
    if (!(is_ascii_digit(ch) || (ch >= 'A' && ch <= 'Z'))) return false;
    letter = letter || !is_ascii_digit(ch);
  }
  return letter && (pos == 5 || text[pos - 6] == ' ');
}

bool ipv4_at(std::string_view text, const Chain& c, std::size_t* end) {
  if (c.groups.size() < 4 || c.plus || c.span_start != c.groups[0].start) return false;
  // "admin@10.0.0.1" is a host, not a glued number.
  if (!c.left_ok && !(c.span_start > 0 && (text[c.span_start - 1] == '@' || text[c.span_start - 1] == '='))) {
    return false;
  }
  for (std::size_t i = 0; i < 3; ++i) {
    if (c.gaps[i] != ".") return false;
  }
  for (std::size_t i = 0; i < 4; ++i) {
    const Group& g = c.groups[i];
    if (g.end - g.start > 3) return false;
    int value = 0;
    for (std::size_t k = g.start; k < g.end; ++k) value = value * 10 + (text[k] - '0');
    if (value > 255) return false;
  }
  if (c.groups.size() == 4) {
    if (!c.right_ok && !c.right_port) return false;
  } else if (c.gaps[3] != "/") {  // CIDR "10.0.0.0/8"
    return false;
  }
  *end = c.groups[3].end;
  return true;
}

// Four one-digit parts ("1.2.3.4") read as a version more often than as an
// address, the public resolvers aside.
double ipv4_base(std::string_view ip) {
  if (ip.size() != 7) return 0.7;
  for (std::string_view known : {"1.1.1.1", "8.8.8.8", "8.8.4.4", "9.9.9.9", "1.0.0.1"}) {
    if (ip == known) return 0.7;
  }
  return 0.55;
}

void emit_chain(std::string_view text, const Chain& c, std::vector<PiiCandidate>& out) {
  std::size_t ip_end = 0;
  if (ipv4_at(text, c, &ip_end)) {
    out.push_back(PiiCandidate{.type = PiiType::kIp,
                               .start = c.span_start,
                               .end = ip_end,
                               .rule = "pii.ip.v4",
                               .base = ipv4_base(text.substr(c.span_start, ip_end - c.span_start)),
                               .context_at = c.span_start});
    return;
  }
  // A chain glued to letters or digits is a fragment of some other
  // identifier ("CH06 6280 4100 ...", "a716-446655440000").
  if (!c.left_ok || !c.right_ok || after_iban_group(text, c.span_start)) return;
  const std::size_t n = c.groups.size();
  Sub s;
  std::vector<Verdict> verdicts;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t start = c.groups[i].start;
    if (i == 0) {
      start = c.span_start;
    } else if (c.gaps[i - 1] == " (") {
      start = c.groups[i].start - 1;
    } else if (c.gaps[i - 1] != " " && c.gaps[i - 1] != "/") {  // "ИНН/КПП 7707083893/773601001"
      continue;
    }
    s.digits.clear();
    s.sizes.clear();
    s.gaps.clear();
    s.plus = i == 0 && c.plus;
    s.parens = i == 0 && c.span_start < c.groups[0].start && !c.plus;
    for (std::size_t j = i; j < n && j - i < kMaxGroups; ++j) {
      const Group& g = c.groups[j];
      if (s.digits.size() + (g.end - g.start) > kMaxDigits) break;
      if (j > i) {
        s.gaps.push_back(c.gaps[j - 1]);
        if (c.gaps[j - 1].find_first_of("()") != std::string::npos) s.parens = true;
      }
      s.digits.append(text.substr(g.start, g.end - g.start));
      s.sizes.push_back(g.end - g.start);
      const bool end_ok = j + 1 == n || c.gaps[j] == " " || c.gaps[j] == "/";
      if (!end_ok || s.digits.size() < 9) continue;
      verdicts.clear();
      evaluate(s, verdicts);
      const bool cut = i > 0 || j + 1 < n;
      for (const Verdict& v : verdicts) {
        out.push_back(PiiCandidate{.type = v.type,
                                   .start = start,
                                   .end = g.end,
                                   .rule = v.rule,
                                   .base = cut ? v.base - kCutPenalty : v.base,
                                   .context_at = c.span_start});
      }
    }
  }
}

}  // namespace

bool starts_with_country_code(std::string_view digits, std::size_t* cc_len) {
  if (digits.empty()) return false;
  if (digits[0] == '1' || digits[0] == '7') {
    *cc_len = 1;
    return true;
  }
  if (digits.size() >= 2) {
    const int two = (digits[0] - '0') * 10 + (digits[1] - '0');
    if (is_two_digit_cc(two)) {
      *cc_len = 2;
      return true;
    }
    if (digits.size() >= 3 && is_three_digit_zone(two)) {
      *cc_len = 3;
      return true;
    }
  }
  return false;
}

void find_numbers(std::string_view text, std::size_t from, std::size_t to, std::vector<PiiCandidate>& out) {
  Chain chain;
  std::string gap;
  std::size_t i = from;
  const std::size_t limit = std::min(to, text.size());
  while (i < limit) {
    if (!is_ascii_digit(text[i]) || (i > 0 && is_ascii_digit(text[i - 1]))) {
      ++i;
      continue;
    }
    chain.groups.clear();
    chain.gaps.clear();
    chain.plus = false;
    chain.span_start = i;
    if (i > 0 && text[i - 1] == '+') {
      chain.plus = true;
      chain.span_start = i - 1;
    } else if (i > 0 && text[i - 1] == '(') {
      chain.span_start = i - 1;
      if (i > 1 && text[i - 2] == '+') {
        chain.plus = true;
        chain.span_start = i - 2;
      }
    }
    std::size_t j = i;
    while (true) {
      const std::size_t g0 = j;
      while (j < text.size() && is_ascii_digit(text[j])) ++j;
      chain.groups.push_back({g0, j});
      const std::size_t next = read_gap(text, j, gap);
      if (next == std::string_view::npos) break;
      chain.gaps.push_back(gap);
      j = next;
    }
    chain.right_ok = !glued_after(text, j) || phone_extension_at(text, j);
    chain.right_port = j + 1 < text.size() && text[j] == ':' && is_ascii_digit(text[j + 1]);
    // Unbalanced parentheses: a lone "(" opening the chain is not part of it.
    if (chain.span_start < i && !chain.gaps.empty() && chain.gaps[0][0] != ')') {
      chain.span_start = chain.plus ? i - 1 : i;
      if (text[chain.span_start] == '(') chain.span_start = i;
      chain.plus = chain.plus && text[i - 1] == '+';
    } else if (chain.span_start < i && chain.gaps.empty()) {
      chain.span_start = chain.plus && text[i - 1] == '+' ? i - 1 : i;
      chain.plus = chain.span_start < i;
    }
    chain.left_ok = !glued_before(text, chain.span_start);
    emit_chain(text, chain, out);
    i = j;
  }
}

}  // namespace servir::guard
