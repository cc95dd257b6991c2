// Check digits of the structured identifiers the PII scanner reports.
//
// Pure functions over the identifier's characters with separators already
// removed (digits, and letters where the format has them). Each returns true
// only when the format (length, allowed characters, prefix) AND the check
// digit hold, so "is this a card / IBAN / DNI" is one call. None allocates
// beyond a small local buffer; all are safe from any thread.
#pragma once

#include <string_view>

namespace servir::guard {

// Luhn (ISO/IEC 7812-1): from the rightmost digit, double every second digit
// (subtracting 9 when the double exceeds 9); the sum is a multiple of 10.
// Digits only, at least 2 of them.
bool luhn_valid(std::string_view digits);

// A payment card number: Luhn-valid AND an issuer prefix (IIN) with a length
// that network issues:
//   Visa 4                                   13, 16, 19
//   Mastercard 51-55, 2221-2720               16
//   American Express 34, 37                   15
//   Discover 6011, 644-649, 65, 622126-622925 16-19
//   JCB 3528-3589                             16-19
//   Diners Club 300-305, 3095, 36, 38, 39     14-19
//   UnionPay 62, 81                           16-19
//   Maestro 5018, 5020, 5038, 5893, 6304, 6759, 6761-6763         12-19
//   Mir 2200-2204                             16-19
bool payment_card_valid(std::string_view digits);

// IBAN (ISO 13616): two upper-case letters of a country in the SWIFT IBAN
// registry, the length that country registers, two check digits (02..98),
// then an upper-case alphanumeric BBAN; moving the first four characters to
// the end and reading letters as 10..35 gives a number = 1 (mod 97)
// (ISO 7064 MOD 97-10). `iban` is the compact form, no spaces.
bool iban_valid(std::string_view iban);
// The registered IBAN length of a country (two upper-case letters), or 0.
int iban_length_for_country(std::string_view country);

// Spanish DNI: 8 digits and a check letter, "TRWAGMYFPDXBNJZSQVHLCKE"[n % 23].
// `dni` is "12345678Z" (upper-case letter, no separators).
bool es_dni_valid(std::string_view dni);

// Spanish NIE: X, Y or Z (read as 0, 1, 2), 7 digits and the DNI check letter
// of the resulting 8-digit number. "X1234567L".
bool es_nie_valid(std::string_view nie);

// Spanish CIF (NIF of legal entities): an organisation letter from
// ABCDEFGHJNPQRSUVW, 7 digits, and a control character. Sum the digits in
// even positions (2nd, 4th, 6th) and, for each digit in an odd position, the
// digits of its double; c = (10 - sum % 10) % 10. The control is the digit c
// or the letter "JABCDEFGHI"[c]: a letter for N, P, Q, R, S, W (and when the
// province digits are 00), a digit for A, B, E, H, either for the others.
bool es_cif_valid(std::string_view cif);

// Russian INN (taxpayer number). 10 digits (organisations): check
// = (sum of d[i] * {2,4,10,3,5,9,4,6,8}[i]) % 11 % 10 == d[9]. 12 digits
// (individuals): d[10] from the weights {7,2,4,10,3,5,9,4,6,8} over d[0..9]
// and d[11] from {3,7,2,4,10,3,5,9,4,6,8} over d[0..10], both % 11 % 10.
bool ru_inn_valid(std::string_view digits);

// Russian SNILS: 11 digits, a 9-digit number and a 2-digit check. s = sum of
// d[i] * (9 - i) over the 9 digits; the check is s when s < 100, 00 when s is
// 100 or 101, else s % 101 (with 100 read as 00). Numbers up to 001-001-998
// were issued before the check existed and are valid with any check digits.
bool ru_snils_valid(std::string_view digits);
// True for the numbers below the check's introduction (<= 001-001-998).
bool ru_snils_exempt(std::string_view digits);

// Russian OGRN (13 digits, first digit 1 or 5 for legal entities): the
// first 12 digits as a number mod 11, then mod 10, equals the last digit.
bool ru_ogrn_valid(std::string_view digits);
// Russian OGRNIP (15 digits, first digit 3, sole proprietors): the first 14
// digits as a number mod 13, then mod 10, equals the last digit.
bool ru_ogrnip_valid(std::string_view digits);

// US Social Security Number, 9 digits AAAGGSSSS: area not 000, 666 or
// 900-999; group not 00; serial not 0000; and none of the numbers published
// in advertising or as examples (078-05-1120, 219-09-9999, 457-55-5462,
// 123-45-6789) nor one digit repeated (111-11-1111).
bool us_ssn_valid(std::string_view digits);

}  // namespace servir::guard
