// Every checksum against published valid numbers and one-digit-off twins.
#include "guard/pii_checksums.h"

#include <gtest/gtest.h>

#include <string>

namespace servir::guard {
namespace {

// The same string with its digit at `i` moved by one.
std::string off_by_one(std::string s, std::size_t i) {
  s[i] = s[i] == '9' ? '0' : static_cast<char>(s[i] + 1);
  return s;
}

TEST(PiiChecksums, LuhnAcceptsValidAndRejectsEverySingleDigitChange) {
  const std::string card = "4111111111111111";
  EXPECT_TRUE(luhn_valid(card));
  for (std::size_t i = 0; i < card.size(); ++i) EXPECT_FALSE(luhn_valid(off_by_one(card, i))) << i;
  EXPECT_FALSE(luhn_valid("4"));
  EXPECT_FALSE(luhn_valid("4111-1111"));
}

TEST(PiiChecksums, PaymentCardNetworks) {
  for (const char* valid : {"4111111111111111", "4222222222222", "5555555555554444", "2223003122003222",
                            "378282246310005", "6011111111111117", "3530111333300000", "36227206271667",
                            "6200000000000005", "6759649826438453", "2200000000000004", "5018000000000009"}) {
    EXPECT_TRUE(payment_card_valid(valid)) << valid;
    EXPECT_FALSE(payment_card_valid(off_by_one(valid, 7))) << valid;
  }
  EXPECT_FALSE(payment_card_valid("1234567812345670"));   // Luhn-valid, no network starts with 1
  EXPECT_FALSE(payment_card_valid("41111111111111111"));  // Visa has no 17-digit numbers
  EXPECT_FALSE(payment_card_valid("37828224631000"));     // Amex is 15 digits
}

TEST(PiiChecksums, Iban) {
  for (const char* valid :
       {"ES9121000418450200051332", "GB82WEST12345698765432", "DE89370400440532013000", "FR1420041010050500013M02606",
        "NL91ABNA0417164300", "NO9386011117947", "RU0304452522540817810538091310419",
        "LC55HEMM000100010012001200023015", "BR1800360305000010009795493C1"}) {
    const std::string s = valid;
    EXPECT_TRUE(iban_valid(s)) << s;
    EXPECT_FALSE(iban_valid(off_by_one(s, 2))) << s;   // check digits
    EXPECT_FALSE(iban_valid(off_by_one(s, 10))) << s;  // BBAN
  }
  EXPECT_FALSE(iban_valid("ES912100041845020005133"));   // Spain registers 24 characters
  EXPECT_FALSE(iban_valid("XX9121000418450200051332"));  // not a registry country
  EXPECT_FALSE(iban_valid("es9121000418450200051332"));
  EXPECT_EQ(iban_length_for_country("ES"), 24);
  EXPECT_EQ(iban_length_for_country("RU"), 33);
  EXPECT_EQ(iban_length_for_country("US"), 0);
}

TEST(PiiChecksums, SpanishDniNieCif) {
  EXPECT_TRUE(es_dni_valid("12345678Z"));
  EXPECT_FALSE(es_dni_valid("12345678A"));
  EXPECT_FALSE(es_dni_valid("12345679Z"));
  EXPECT_FALSE(es_dni_valid("1234567Z"));
  EXPECT_TRUE(es_dni_valid("00000000T"));

  EXPECT_TRUE(es_nie_valid("X1234567L"));
  EXPECT_FALSE(es_nie_valid("X1234568L"));
  EXPECT_FALSE(es_nie_valid("Y1234567L"));  // Y reads as 1: another letter
  EXPECT_FALSE(es_nie_valid("A1234567L"));

  EXPECT_TRUE(es_cif_valid("B12345674"));   // B takes a digit
  EXPECT_FALSE(es_cif_valid("B1234567D"));  // ... never its letter
  EXPECT_FALSE(es_cif_valid("B12345675"));
  EXPECT_TRUE(es_cif_valid("P1234567D"));  // P takes a letter
  EXPECT_FALSE(es_cif_valid("P12345674"));
  EXPECT_TRUE(es_cif_valid("G12345674"));  // G takes either
  EXPECT_TRUE(es_cif_valid("G1234567D"));
  EXPECT_FALSE(es_cif_valid("I12345674"));  // I is no organisation letter
}

TEST(PiiChecksums, RussianInnSnilsOgrn) {
  for (const std::string inn : {"7707083893", "500100732259"}) {
    EXPECT_TRUE(ru_inn_valid(inn)) << inn;
    // mod 11 then mod 10 lets a few single-digit changes through; a changed
    // check digit is always caught.
    EXPECT_FALSE(ru_inn_valid(off_by_one(inn, inn.size() - 1))) << inn;
  }
  EXPECT_FALSE(ru_inn_valid("7707083894"));
  EXPECT_FALSE(ru_inn_valid("500100732258"));
  EXPECT_FALSE(ru_inn_valid("77070838931"));

  EXPECT_TRUE(ru_snils_valid("11223344595"));
  EXPECT_FALSE(ru_snils_valid("11223344596"));
  EXPECT_FALSE(ru_snils_valid("11223344695"));
  EXPECT_TRUE(ru_snils_exempt("00100199800"));  // issued before the check: any check digits
  EXPECT_TRUE(ru_snils_valid("00100199812"));
  EXPECT_FALSE(ru_snils_exempt("00100199900"));

  EXPECT_TRUE(ru_ogrn_valid("1027700132195"));
  EXPECT_FALSE(ru_ogrn_valid("1027700132196"));
  EXPECT_FALSE(ru_ogrn_valid("2027700132195"));  // legal entities start with 1 or 5
  EXPECT_TRUE(ru_ogrnip_valid("304500116000157"));
  EXPECT_FALSE(ru_ogrnip_valid("304500116000158"));
  EXPECT_FALSE(ru_ogrnip_valid("1027700132195"));
}

TEST(PiiChecksums, UsSsn) {
  EXPECT_TRUE(us_ssn_valid("536221234"));
  for (const char* bad : {"000221234", "666221234", "912221234", "536001234", "536220000", "078051120", "219099999",
                          "457555462", "123456789", "111111111", "53622123"}) {
    EXPECT_FALSE(us_ssn_valid(bad)) << bad;
  }
}

}  // namespace
}  // namespace servir::guard
