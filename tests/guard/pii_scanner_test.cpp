// The PII scanner on sentences in English, Spanish and Russian: what it
// finds, the exact byte spans, word boundaries, context, bounds and speed.
#include "guard/pii_scanner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace servir::guard {
namespace {

std::vector<Finding> scan(std::string_view text, const ScanContext& ctx = {}) {
  static const std::unique_ptr<Scanner> scanner = make_pii_scanner();
  std::vector<Finding> out;
  scanner->scan(text, ctx, out);
  return out;
}

// (type, matched text) of every finding, sorted by position.
std::vector<std::pair<std::string, std::string>> found(std::string_view text) {
  std::vector<Finding> f = scan(text);
  std::sort(f.begin(), f.end(), [](const Finding& a, const Finding& b) { return a.start < b.start; });
  std::vector<std::pair<std::string, std::string>> out;
  for (const Finding& x : f) out.emplace_back(x.type, std::string(text.substr(x.start, x.end - x.start)));
  return out;
}

using Found = std::vector<std::pair<std::string, std::string>>;

TEST(PiiScanner, KindAndTypes) {
  EXPECT_EQ(make_pii_scanner()->kind(), ScannerKind::kPii);
  EXPECT_EQ(pii_entity_types().size(), 12u);
}

TEST(PiiScanner, EmailAddresses) {
  EXPECT_EQ(found("Write to john.smith+news@example.co.uk today."),
            (Found{{"EMAIL_ADDRESS", "john.smith+news@example.co.uk"}}));
  EXPECT_EQ(found("Escríbeme a maría@correo.es, gracias"), (Found{{"EMAIL_ADDRESS", "maría@correo.es"}}));
  EXPECT_EQ(found("Почта: ivan.petrov@yandex.ru."), (Found{{"EMAIL_ADDRESS", "ivan.petrov@yandex.ru"}}));
  EXPECT_TRUE(found("user@localhost and @handle and a@b").empty());
  // Credentials in a URL belong to the secrets scanner.
  EXPECT_TRUE(found("postgres://admin:hunter2@db.example.com/prod").empty());
}

TEST(PiiScanner, PhoneNumbersInManyFormats) {
  for (const char* phone :
       {"+1 (212) 555-0147", "(212) 555-0147",     "212-555-0147",       "212.555.0147",      "+34 612 345 678",
        "612 34 56 78",      "+34 91 123 45 67",   "+7 (916) 123-45-67", "8 (916) 123-45-67", "8-916-123-45-67",
        "+44 20 7946 0958",  "+49 30 12345678",    "+33 1 23 45 67 89",  "01 23 45 67 89",    "+39 06 1234 5678",
        "+52 55 1234 5678",  "+54 9 11 1234-5678", "+55 11 91234-5678",  "+79161234567",      "0034 612345678"}) {
    const std::string text = std::string("Call me at ") + phone + " tomorrow.";
    EXPECT_EQ(found(text), (Found{{"PHONE_NUMBER", phone}})) << text;
  }
  EXPECT_EQ(found("Mi teléfono es 612345678."), (Found{{"PHONE_NUMBER", "612345678"}}));
  EXPECT_EQ(found("Phone 555-123-4567x123 (desk)"), (Found{{"PHONE_NUMBER", "555-123-4567"}}));
  EXPECT_EQ(found("Mi número es 612345678"), (Found{{"PHONE_NUMBER", "612345678"}}));
  EXPECT_EQ(found("Мой телефон 89161234567"), (Found{{"PHONE_NUMBER", "89161234567"}}));
}

TEST(PiiScanner, BareDigitRunsNeedEvidence) {
  // Ten to twelve digits with no phone or INN word are neither.
  EXPECT_TRUE(found("The value was 9161234567 at noon.").empty());
  EXPECT_TRUE(found("Order 7707083893 shipped.").empty());
  EXPECT_EQ(found("ИНН 7707083893"), (Found{{"RU_INN", "7707083893"}}));
  EXPECT_EQ(found("Pedido número 612345678, teléfono 699 123 456"), (Found{{"PHONE_NUMBER", "699 123 456"}}));
}

TEST(PiiScanner, CreditCardsChecksumFirst) {
  EXPECT_EQ(found("My card is 4111 1111 1111 1111, exp 09/27"), (Found{{"CREDIT_CARD", "4111 1111 1111 1111"}}));
  EXPECT_EQ(found("Amex 3782 822463 10005."), (Found{{"CREDIT_CARD", "3782 822463 10005"}}));
  EXPECT_EQ(found("Tarjeta: 5555-5555-5555-4444"), (Found{{"CREDIT_CARD", "5555-5555-5555-4444"}}));
  EXPECT_EQ(found("Номер карты 2200000000000004"), (Found{{"CREDIT_CARD", "2200000000000004"}}));
  // One digit off: Luhn fails, so it is no card (and no other type).
  EXPECT_TRUE(found("My card is 4111 1111 1111 1112, exp 09/27").empty());
  EXPECT_TRUE(found("Order 4111111111111111 was shipped").empty());
}

TEST(PiiScanner, Ibans) {
  EXPECT_EQ(found("IBAN ES91 2100 0418 4502 0005 1332 (Caixa)"),
            (Found{{"IBAN_CODE", "ES91 2100 0418 4502 0005 1332"}}));
  EXPECT_EQ(found("Счёт GB82WEST12345698765432."), (Found{{"IBAN_CODE", "GB82WEST12345698765432"}}));
  EXPECT_TRUE(found("IBAN ES91 2100 0418 4502 0005 1333").empty());
}

TEST(PiiScanner, IpAddresses) {
  EXPECT_EQ(found("The server at 192.168.1.10 is down."), (Found{{"IP_ADDRESS", "192.168.1.10"}}));
  EXPECT_EQ(found("ssh admin@10.0.0.7 -p 22"), (Found{{"IP_ADDRESS", "10.0.0.7"}}));
  EXPECT_EQ(found("listen 10.1.2.3:8080"), (Found{{"IP_ADDRESS", "10.1.2.3"}}));
  EXPECT_EQ(found("IPv6 2001:db8:85a3::8a2e:370:7334 ok"), (Found{{"IP_ADDRESS", "2001:db8:85a3::8a2e:370:7334"}}));
  EXPECT_EQ(found("full 2001:0db8:0000:0000:0000:ff00:0042:8329."),
            (Found{{"IP_ADDRESS", "2001:0db8:0000:0000:0000:ff00:0042:8329"}}));
  EXPECT_EQ(found("mapped ::ffff:192.0.2.128 here"), (Found{{"IP_ADDRESS", "::ffff:192.0.2.128"}}));
  EXPECT_EQ(found("Сервер fe80::1ff:fe23:4567:890a недоступен"), (Found{{"IP_ADDRESS", "fe80::1ff:fe23:4567:890a"}}));
  EXPECT_TRUE(found("version 1.2.3 and 1.2.3.4.5 and 256.1.1.1").empty());
  EXPECT_TRUE(found("at 12:30:45, MAC 00:1A:2B:3C:4D:5E, std::vector").empty());
  EXPECT_TRUE(found("Upgrade to version 1.2.3.4 now").empty());
}

TEST(PiiScanner, UsSsn) {
  EXPECT_EQ(found("Her SSN is 536-22-1234."), (Found{{"US_SSN", "536-22-1234"}}));
  EXPECT_EQ(found("SSN: 536221234"), (Found{{"US_SSN", "536221234"}}));
  EXPECT_TRUE(found("Her SSN is 666-22-1234.").empty());
  EXPECT_TRUE(found("Her SSN is 078-05-1120.").empty());
}

TEST(PiiScanner, SpanishIdentifiers) {
  EXPECT_EQ(found("Mi DNI es 12345678Z."), (Found{{"ES_NIF", "12345678Z"}}));
  EXPECT_EQ(found("DNI 12.345.678-Z"), (Found{{"ES_NIF", "12.345.678-Z"}}));
  EXPECT_TRUE(found("Mi DNI es 12345678A.").empty());
  EXPECT_EQ(found("NIE: X1234567L"), (Found{{"ES_NIE", "X1234567L"}}));
  EXPECT_EQ(found("NIE X-1234567-L."), (Found{{"ES_NIE", "X-1234567-L"}}));
  EXPECT_TRUE(found("NIE: X1234567M").empty());
  EXPECT_EQ(found("La empresa con CIF B12345674 factura"), (Found{{"ES_CIF", "B12345674"}}));
  EXPECT_TRUE(found("La empresa con CIF B12345675 factura").empty());
}

TEST(PiiScanner, RussianIdentifiers) {
  EXPECT_EQ(found("ИНН организации: 7707083893, КПП 773601001."), (Found{{"RU_INN", "7707083893"}}));
  EXPECT_EQ(found("ИНН физлица 500100732259"), (Found{{"RU_INN", "500100732259"}}));
  EXPECT_TRUE(found("ИНН организации: 7707083894").empty());
  EXPECT_EQ(found("СНИЛС 112-233-445 95"), (Found{{"RU_SNILS", "112-233-445 95"}}));
  EXPECT_EQ(found("Номер СНИЛС: 11223344595"), (Found{{"RU_SNILS", "11223344595"}}));
  EXPECT_TRUE(found("СНИЛС 112-233-445 96").empty());
  EXPECT_EQ(found("ОГРН 1027700132195"), (Found{{"RU_OGRN", "1027700132195"}}));
  EXPECT_EQ(found("ОГРНИП 304500116000157"), (Found{{"RU_OGRN", "304500116000157"}}));
  EXPECT_TRUE(found("ОГРН 1027700132196").empty());
}

TEST(PiiScanner, HardNegatives) {
  EXPECT_TRUE(found("Released 2024-03-15 as v1.2.3; build 20240315.1; ISBN 978-3-16-148410-0").empty());
  EXPECT_TRUE(
      found("uuid 550e8400-e29b-41d4-a716-446655440000, commit 9fceb02d0ae598e95dc970b74767f19372d61af8").empty());
  EXPECT_TRUE(found("Total: $1,234,567.89 or 1 234 567 руб. or 12.345.678,90 €").empty());
  EXPECT_TRUE(found("Заказ № 7707083893 от 15.03.2024").empty());
  EXPECT_TRUE(found("timestamp 1700000000, port 8080").empty());
}

TEST(PiiScanner, ByteOffsetsAfterMultiByteText) {
  const std::string text = "Ñandú 🦩 пишите: ivan@mail.ru, тел. +7 916 123-45-67";
  std::vector<Finding> f = scan(text);
  std::sort(f.begin(), f.end(), [](const Finding& a, const Finding& b) { return a.start < b.start; });
  ASSERT_EQ(f.size(), 2u);
  const std::size_t email = text.find("ivan@");
  EXPECT_EQ(f[0].type, "EMAIL_ADDRESS");
  EXPECT_EQ(f[0].start, email);
  EXPECT_EQ(f[0].end, email + std::string("ivan@mail.ru").size());
  EXPECT_EQ(f[0].rule, "pii.email");
  const std::size_t phone = text.find("+7");
  EXPECT_EQ(f[1].type, "PHONE_NUMBER");
  EXPECT_EQ(f[1].start, phone);
  EXPECT_EQ(f[1].end, text.size());
  EXPECT_EQ(f[1].rule, "pii.phone.e164");
  EXPECT_GE(f[1].score, 0.5);
  EXPECT_LE(f[1].score, 1.0);
}

TEST(PiiScanner, WordBoundaries) {
  EXPECT_TRUE(found("id12345678Z and 12345678Zx").empty());
  EXPECT_TRUE(found("ref4111111111111111 and 41111111111111110").empty());
  EXPECT_TRUE(found("ИНН7707083893x").empty());
  EXPECT_TRUE(found("ABC-536-22-1234").empty());
  EXPECT_TRUE(found("xES9121000418450200051332").empty());
  EXPECT_TRUE(found("v192.168.1.10").empty());
}

TEST(PiiScanner, OptionsFilterTypesAndThreshold) {
  const std::string text = "Mail a@b.com, DNI 12345678Z";
  std::vector<Finding> out;
  make_pii_scanner({.entities = {"ES_NIF"}})->scan(text, {}, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, "ES_NIF");
  out.clear();
  make_pii_scanner({.score_threshold = 1.01})->scan(text, {}, out);
  EXPECT_TRUE(out.empty());
}

TEST(PiiScanner, SizeBoundReportsIncomplete) {
  const std::string text = "Mail a@b.com then much more text with x@y.com at the end";
  ScanContext ctx;
  ctx.max_bytes = 20;
  std::vector<Finding> f = scan(text, ctx);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].type, "EMAIL_ADDRESS");
  EXPECT_EQ(f[1].type, "SCAN_INCOMPLETE");
  EXPECT_EQ(f[1].rule, "pii.limit");
  EXPECT_EQ(f[1].start, 20u);
  EXPECT_EQ(f[1].end, text.size());
}

TEST(PiiScanner, PastDeadlineReportsIncomplete) {
  ScanContext ctx;
  ctx.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  std::vector<Finding> f = scan("a@b.com", ctx);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].type, "SCAN_INCOMPLETE");
  EXPECT_EQ(f[0].start, 0u);
}

TEST(PiiScanner, OneMegabyteIsLinear) {
  // Mixed text with entities, and the pathological shapes: endless digit
  // groups, '@' runs, colons.
  std::string text;
  while (text.size() < (1u << 20)) {
    text += "Call +34 612 345 678 or mail ana@correo.es; IBAN ES91 2100 0418 4502 0005 1332. ";
    text += "1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 @@@@ :::: 1.1.1.1.1.1.1 ";
  }
  const std::string digits(1u << 20, '7');
  ScanContext ctx;
  ctx.max_bytes = 4u << 20;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<Finding> f = scan(text, ctx);
  const std::vector<Finding> g = scan(digits, ctx);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GT(f.size(), 10000u);
  EXPECT_TRUE(g.empty());
  EXPECT_LT(seconds, 5.0);  // ~0.05 s in a release build; generous for sanitizers
}

}  // namespace
}  // namespace servir::guard
