#include "guard/pii_checksums.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace servir::guard {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }

// The first `n` digits as a number (n <= 18).
std::uint64_t prefix_value(std::string_view digits, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n && i < digits.size(); ++i) v = v * 10 + static_cast<std::uint64_t>(digits[i] - '0');
  return v;
}

bool in_range(std::uint64_t v, std::uint64_t lo, std::uint64_t hi) { return v >= lo && v <= hi; }

constexpr std::string_view kDniLetters = "TRWAGMYFPDXBNJZSQVHLCKE";

// The SWIFT IBAN registry (release 99, 2025): country and IBAN length.
struct IbanCountry {
  char code[3];
  int length;
};
constexpr std::array<IbanCountry, 89> kIbanCountries = {{
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22},
    {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18}, {"FK", 18}, {"FO", 18}, {"FR", 27},
    {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HN", 28}, {"HR", 21}, {"HU", 28},
    {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28},
    {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22},
    {"MK", 19}, {"MN", 20}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23},
    {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24},
    {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28},
    {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
}};

}  // namespace

bool luhn_valid(std::string_view digits) {
  if (digits.size() < 2 || !all_digits(digits)) return false;
  int sum = 0;
  bool double_it = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (double_it) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double_it = !double_it;
  }
  return sum % 10 == 0;
}

bool payment_card_valid(std::string_view digits) {
  const std::size_t n = digits.size();
  if (n < 12 || n > 19 || !luhn_valid(digits)) return false;
  const std::uint64_t p1 = prefix_value(digits, 1);
  const std::uint64_t p2 = prefix_value(digits, 2);
  const std::uint64_t p3 = prefix_value(digits, 3);
  const std::uint64_t p4 = prefix_value(digits, 4);
  const std::uint64_t p6 = prefix_value(digits, 6);
  const bool len16to19 = n >= 16 && n <= 19;
  if (p1 == 4) return n == 13 || n == 16 || n == 19;                               // Visa
  if (in_range(p2, 51, 55) || in_range(p4, 2221, 2720)) return n == 16;            // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                                        // Amex
  if (in_range(p4, 2200, 2204)) return len16to19;                                  // Mir
  if (p4 == 6011 || in_range(p3, 644, 649) || p2 == 65) return len16to19;          // Discover
  if (in_range(p6, 622126, 622925)) return len16to19;                              // Discover / UnionPay
  if (in_range(p4, 3528, 3589)) return len16to19;                                  // JCB
  if (in_range(p3, 300, 305) || p4 == 3095 || p2 == 36 || p2 == 38 || p2 == 39) {  // Diners Club
    return n >= 14 && n <= 19;
  }
  if (p2 == 62 || p2 == 81) return len16to19;  // UnionPay
  switch (p4) {                                // Maestro
    case 5018:
    case 5020:
    case 5038:
    case 5893:
    case 6304:
    case 6759:
    case 6761:
    case 6762:
    case 6763:
      return n >= 12;
    default:
      return false;
  }
}

int iban_length_for_country(std::string_view country) {
  if (country.size() != 2) return 0;
  for (const IbanCountry& c : kIbanCountries) {
    if (country[0] == c.code[0] && country[1] == c.code[1]) return c.length;
  }
  return 0;
}

bool iban_valid(std::string_view iban) {
  if (iban.size() < 15 || iban.size() > 34) return false;
  if (static_cast<int>(iban.size()) != iban_length_for_country(iban.substr(0, 2))) return false;
  if (!all_digits(iban.substr(2, 2))) return false;
  const int check = (iban[2] - '0') * 10 + (iban[3] - '0');
  if (check < 2 || check > 98) return false;
  int rem = 0;
  for (std::size_t k = 0; k < iban.size(); ++k) {
    const char c = iban[(k + 4) % iban.size()];
    if (c >= '0' && c <= '9') {
      rem = (rem * 10 + (c - '0')) % 97;
    } else if (is_upper(c)) {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  return rem == 1;
}

bool es_dni_valid(std::string_view dni) {
  if (dni.size() != 9 || !all_digits(dni.substr(0, 8))) return false;
  return dni[8] == kDniLetters[prefix_value(dni, 8) % 23];
}

bool es_nie_valid(std::string_view nie) {
  if (nie.size() != 9 || !all_digits(nie.substr(1, 7))) return false;
  const std::size_t lead = std::string_view("XYZ").find(nie[0]);
  if (lead == std::string_view::npos) return false;
  const std::uint64_t n = lead * 10'000'000 + prefix_value(nie.substr(1), 7);
  return nie[8] == kDniLetters[n % 23];
}

bool es_cif_valid(std::string_view cif) {
  if (cif.size() != 9 || !all_digits(cif.substr(1, 7))) return false;
  const char org = cif[0];
  if (std::string_view("ABCDEFGHJNPQRSUVW").find(org) == std::string_view::npos) return false;
  int sum = 0;
  for (int i = 0; i < 7; ++i) {
    const int d = cif[1 + i] - '0';
    if (i % 2 == 1) {
      sum += d;
    } else {
      const int dd = 2 * d;
      sum += dd / 10 + dd % 10;
    }
  }
  const int c = (10 - sum % 10) % 10;
  const char control = cif[8];
  const bool letter_ok = control == "JABCDEFGHI"[c];
  const bool digit_ok = control == static_cast<char>('0' + c);
  const bool must_letter =
      std::string_view("NPQRSW").find(org) != std::string_view::npos || (cif[1] == '0' && cif[2] == '0');
  const bool must_digit = std::string_view("ABEH").find(org) != std::string_view::npos;
  if (must_letter) return letter_ok;
  if (must_digit) return digit_ok;
  return letter_ok || digit_ok;
}

bool ru_inn_valid(std::string_view digits) {
  if (!all_digits(digits)) return false;
  auto check = [&](std::initializer_list<int> weights) {
    int sum = 0;
    std::size_t i = 0;
    for (int w : weights) sum += w * (digits[i++] - '0');
    return sum % 11 % 10 == digits[i] - '0';
  };
  if (digits.size() == 10) return check({2, 4, 10, 3, 5, 9, 4, 6, 8});
  if (digits.size() == 12) return check({7, 2, 4, 10, 3, 5, 9, 4, 6, 8}) && check({3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8});
  return false;
}

bool ru_snils_exempt(std::string_view digits) {
  return digits.size() == 11 && all_digits(digits) && prefix_value(digits, 9) <= 1001998;
}

bool ru_snils_valid(std::string_view digits) {
  if (digits.size() != 11 || !all_digits(digits)) return false;
  if (ru_snils_exempt(digits)) return true;
  int sum = 0;
  for (int i = 0; i < 9; ++i) sum += (digits[i] - '0') * (9 - i);
  int check = 0;
  if (sum < 100) {
    check = sum;
  } else if (sum > 101) {
    check = sum % 101;
    if (check == 100) check = 0;
  }
  return check == (digits[9] - '0') * 10 + (digits[10] - '0');
}

bool ru_ogrn_valid(std::string_view digits) {
  if (digits.size() != 13 || !all_digits(digits) || (digits[0] != '1' && digits[0] != '5')) return false;
  return static_cast<int>(prefix_value(digits, 12) % 11 % 10) == digits[12] - '0';
}

bool ru_ogrnip_valid(std::string_view digits) {
  if (digits.size() != 15 || !all_digits(digits) || digits[0] != '3') return false;
  return static_cast<int>(prefix_value(digits, 14) % 13 % 10) == digits[14] - '0';
}

bool us_ssn_valid(std::string_view digits) {
  if (digits.size() != 9 || !all_digits(digits)) return false;
  const std::uint64_t area = prefix_value(digits, 3);
  const std::uint64_t group = prefix_value(digits.substr(3), 2);
  const std::uint64_t serial = prefix_value(digits.substr(5), 4);
  if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0) return false;
  if (std::all_of(digits.begin(), digits.end(), [&](char c) { return c == digits[0]; })) return false;
  for (std::string_view sample : {"078051120", "219099999", "457555462", "123456789"}) {
    if (digits == sample) return false;
  }
  return true;
}

}  // namespace servir::guard
