// Unicode helpers: categories, UTF-8 decoding and repair, NFC.
#include <gtest/gtest.h>

#include "tokenizer/byte_level.h"
#include "tokenizer/unicode.h"

namespace servir {
namespace {

TEST(TokenizerUnicode, CategoriesAndWhiteSpace) {
  EXPECT_EQ(unicode_category('A'), UnicodeCategory::kLu);
  EXPECT_EQ(unicode_category(0xE9), UnicodeCategory::kLl);     // é
  EXPECT_EQ(unicode_category(0x4E2D), UnicodeCategory::kLo);   // 中
  EXPECT_EQ(unicode_category(0x0663), UnicodeCategory::kNd);   // ٣
  EXPECT_EQ(unicode_category(0x00BD), UnicodeCategory::kNo);   // ½
  EXPECT_EQ(unicode_category(0x20AC), UnicodeCategory::kSc);   // €
  EXPECT_EQ(unicode_category(0x0301), UnicodeCategory::kMn);   // combining acute
  EXPECT_EQ(unicode_category(0x1F600), UnicodeCategory::kSo);  // 😀
  EXPECT_EQ(unicode_category(0x200B), UnicodeCategory::kCf);   // zero width space
  EXPECT_EQ(unicode_category(0x10FFFF), UnicodeCategory::kCn);
  for (std::uint32_t cp : {0x09u, 0x0Au, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x1680u, 0x2003u, 0x2028u, 0x3000u}) {
    EXPECT_TRUE(unicode_is_white_space(cp)) << std::hex << cp;
  }
  for (std::uint32_t cp : {0x200Bu, 0xFEFFu, 0x1Cu, 0x61u, 0x180Eu}) EXPECT_FALSE(unicode_is_white_space(cp)) << cp;
}

TEST(TokenizerUnicode, DecodeRejectsIllFormedSequences) {
  std::size_t length = 0;
  EXPECT_EQ(utf8_decode("\xC3\xA9", 0, length), 0xE9u);
  EXPECT_EQ(length, 2u);
  EXPECT_EQ(utf8_decode("\xF0\x9F\x98\x80", 0, length), 0x1F600u);
  EXPECT_EQ(length, 4u);
  for (std::string_view bad : {"\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "\xE2\x82", "\xFF"}) {
    EXPECT_EQ(utf8_decode(bad, 0, length), kInvalidCodePoint);
    EXPECT_EQ(length, 1u);
  }
}

TEST(TokenizerUnicode, LossyMatchesPythonReplace) {
  // b'...'.decode('utf-8', 'replace') in Python 3.11.
  EXPECT_EQ(utf8_lossy("a\xE2\x82"
                       "b\xFF\xF0\x9F\x98"),
            "a\uFFFDb\uFFFD\uFFFD");
  EXPECT_EQ(utf8_lossy("\xED\xA0\x80x\xC0\x80\xF4\x90\x80\x80"),
            "\uFFFD\uFFFD\uFFFDx\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD");
  EXPECT_EQ(utf8_lossy("plain \xC3\xA9"), "plain \xC3\xA9");
}

TEST(TokenizerUnicode, IncompleteSuffix) {
  EXPECT_EQ(utf8_incomplete_suffix("ab"), 0u);
  EXPECT_EQ(utf8_incomplete_suffix("a\xC3"), 1u);
  EXPECT_EQ(utf8_incomplete_suffix("a\xF0\x9F\x98"), 3u);
  EXPECT_EQ(utf8_incomplete_suffix("a\xF0\x9F\x98\x80"), 0u);
  EXPECT_EQ(utf8_incomplete_suffix("a\xE0\x80"), 0u);  // never valid: emit now
  EXPECT_EQ(utf8_incomplete_suffix("\x80\x80\x80"), 0u);
}

TEST(TokenizerUnicode, CodePointTextKeepsInvalidBytesAsUnits) {
  CodePointText text;
  text.assign("a\xFF\xC3\xA9");
  ASSERT_EQ(text.size(), 3u);
  EXPECT_EQ(text.cps[1], kInvalidCodePoint);
  EXPECT_EQ(text.offsets, (std::vector<std::uint32_t>{0, 1, 2, 4}));
}

TEST(TokenizerUnicode, Nfc) {
  EXPECT_EQ(unicode_nfc("e\xCC\x81"), "\xC3\xA9");                                 // e + U+0301 -> é
  EXPECT_EQ(unicode_nfc("a\xCC\x82\xCC\xA3"), "\xE1\xBA\xAD");                     // reordered, then U+1EAD
  EXPECT_EQ(unicode_nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "\xEA\xB0\x81");  // Hangul jamo -> 각
  EXPECT_EQ(unicode_nfc("\xE2\x84\xAB"), "\xC3\x85");                              // Angstrom sign -> Å
  EXPECT_EQ(unicode_nfc("ascii only"), "ascii only");
  EXPECT_EQ(unicode_nfc("\xFF"
                        "e\xCC\x81\xFE"),
            "\xFF\xC3\xA9\xFE");  // invalid bytes pass through
}

TEST(TokenizerUnicode, ByteLevelAlphabetIsABijection) {
  for (int b = 0; b < 256; ++b) {
    const std::uint32_t cp = byte_level_code_point(static_cast<std::uint8_t>(b));
    ASSERT_EQ(byte_level_byte(cp), static_cast<std::uint8_t>(b));
  }
  EXPECT_EQ(byte_level_code_point(' '), 0x120u);   // 'Ġ'
  EXPECT_EQ(byte_level_code_point('\n'), 0x10Au);  // 'Ċ'
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  EXPECT_EQ(byte_level_decode(byte_level_encode(all)), all);
}

}  // namespace
}  // namespace servir
