// SplitRegex: the pre-tokenizer patterns, their edge cases and bad patterns.
#include <gtest/gtest.h>

#include "tokenizer/split_regex.h"
#include "tokenizer/text_pipeline.h"

namespace servir {
namespace {

std::vector<std::string> split(std::string_view pattern, std::string_view input) {
  Result<SplitRegex> regex = SplitRegex::compile(pattern);
  EXPECT_TRUE(regex.ok()) << regex.status().to_string();
  if (!regex.ok()) return {};
  CodePointText text;
  text.assign(input);
  std::vector<std::uint32_t> ends;
  regex->split(text, 0, text.size(), ends);
  std::vector<std::string> pieces;
  std::uint32_t begin = 0;
  for (const std::uint32_t end : ends) {
    pieces.emplace_back(input.substr(text.offsets[begin], text.offsets[end] - text.offsets[begin]));
    begin = end;
  }
  return pieces;
}

using Pieces = std::vector<std::string>;

TEST(TokenizerRegex, Gpt2Pattern) {
  EXPECT_EQ(split(kGpt2SplitPattern, "Hello world  foo's 123!!\n"),
            (Pieces{"Hello", " world", " ", " foo", "'s", " 123", "!!", "\n"}));
  EXPECT_EQ(split(kGpt2SplitPattern, "   Hello"), (Pieces{"  ", " Hello"}));
  EXPECT_EQ(split(kGpt2SplitPattern, "a \t\tb"), (Pieces{"a", " \t", "\t", "b"}));
}

TEST(TokenizerRegex, Llama3Pattern) {
  const char* pattern =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  EXPECT_EQ(split(pattern, "IT'S 12345 éa\n\n  x"), (Pieces{"IT", "'S", " ", "123", "45", " éa", "\n\n", " ", " x"}));
  EXPECT_EQ(split(pattern, "x\xC5\xBF"), (Pieces{"x\xC5\xBF"}));  // ſ is a letter
  EXPECT_EQ(split(pattern, "'\xC5\xBF"), (Pieces{"'\xC5\xBF"}));  // (?i) 's also matches 'ſ
}

TEST(TokenizerRegex, QuantifiersLookaheadAndClasses) {
  EXPECT_EQ(split("a+?", "aaa"), (Pieces{"a", "a", "a"}));
  EXPECT_EQ(split("a{2}", "aaaaa"), (Pieces{"aa", "aa", "a"}));
  EXPECT_EQ(split("x(?=y)", "xyxz"), (Pieces{"x", "yxz"}));
  EXPECT_EQ(split("[0-9][0-9][0-9]", "12345"), (Pieces{"123", "45"}));
  EXPECT_EQ(split("(?:ab)+", "ababa"), (Pieces{"abab", "a"}));
  EXPECT_EQ(split(R"([\p{P}\$\+<=>\^~\|]+)", "a+=b,c"), (Pieces{"a", "+=", "b", ",", "c"}));
  EXPECT_EQ(split("[一-龥]+", "ab中文c"), (Pieces{"ab", "中文", "c"}));
}

TEST(TokenizerRegex, InvalidUtf8IsASymbol) {
  EXPECT_EQ(split(kGpt2SplitPattern, "ab\xFF\xFE cd"), (Pieces{"ab", "\xFF\xFE", " cd"}));
}

TEST(TokenizerRegex, LongRunsAreLinear) {
  const std::string run(1 << 20, ' ');
  EXPECT_EQ(split(R"(\s*[\r\n]+|\s+(?!\S)|\s+)", run + "x"), (Pieces{run.substr(1), " ", "x"}));
  EXPECT_EQ(split(R"(\p{L}+)", std::string(1 << 20, 'a')).size(), 1u);
}

TEST(TokenizerRegex, HostilePatternsStopInsteadOfHanging) {
  // Exponential backtracking: gives up and keeps the text as one piece.
  const std::string text = std::string(40, 'a') + "!";
  EXPECT_EQ(split("(a*)*b", text), (Pieces{text}));
  // One recursion per iteration of a repeated group: stopped by the depth limit.
  const std::string long_text(100000, 'a');
  EXPECT_EQ(split("(?:a|b)+", long_text), (Pieces{long_text}));
  EXPECT_EQ(split("(?:a|b)+", "abab c"), (Pieces{"abab", " c"}));
}

TEST(TokenizerRegex, BadPatternsAreErrorsNotCrashes) {
  for (const char* pattern : {"(", ")", "[", "[a", "a{2,1}", "\\", "\\p{Han}", "(?<=a)b", "^a", "a**", "*", "a++",
                              "\\p{", "\\x{110000}", "[z-a]", "\\q"}) {
    EXPECT_FALSE(SplitRegex::compile(pattern).ok()) << pattern;
  }
}

}  // namespace
}  // namespace servir
