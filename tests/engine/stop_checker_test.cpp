#include "engine/stop_checker.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace servir {
namespace {

constexpr std::int32_t kEos = 2;
constexpr std::int32_t kText = 100;  // any ordinary token: the checker only looks at its text
const std::vector<std::int32_t> kEosIds = {kEos};

SamplingParams with_stops(std::vector<std::string> stop, bool include = false) {
  SamplingParams p;
  p.stop = std::move(stop);
  p.include_stop_str_in_output = include;
  return p;
}

TEST(StopChecker, PlainTextPassesThroughAtOnce) {
  StopChecker checker(SamplingParams{}, kEosIds);
  const auto r = checker.push(kText, "Hello");
  EXPECT_EQ(r.emit, "Hello");
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(checker.flush(), "");
}

TEST(StopChecker, StopStringAcrossTwoTokensCutsBeforeIt) {
  StopChecker checker(with_stops({"STOP"}), kEosIds);
  auto r = checker.push(kText, "Hello ST");
  EXPECT_EQ(r.emit, "Hello ");  // "ST" could begin "STOP": held back
  EXPECT_FALSE(r.stopped);
  r = checker.push(kText, "OP and more");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "");
  EXPECT_EQ(r.stop_string, "STOP");
  EXPECT_FALSE(r.stop_token.has_value());
  EXPECT_TRUE(checker.stopped());
  EXPECT_EQ(checker.flush(), "");
}

TEST(StopChecker, StopStringAcrossThreeTokens) {
  StopChecker checker(with_stops({"<|end|>"}), kEosIds);
  std::string out;
  auto r = checker.push(kText, "x<");
  out += r.emit;
  EXPECT_EQ(r.emit, "x");
  r = checker.push(kText, "|e");
  out += r.emit;
  EXPECT_EQ(r.emit, "");
  r = checker.push(kText, "nd|>tail");
  out += r.emit;
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.stop_string, "<|end|>");
  EXPECT_EQ(out, "x");
}

TEST(StopChecker, IncludeStopStringKeepsItAndDropsTheRest) {
  StopChecker checker(with_stops({"STOP"}, /*include=*/true), kEosIds);
  EXPECT_EQ(checker.push(kText, "Hello ST").emit, "Hello ");
  const auto r = checker.push(kText, "OP and more");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "STOP");
  EXPECT_EQ(r.stop_string, "STOP");
}

TEST(StopChecker, HeldBackTextIsReleasedWhenItTurnsOutNotToStop) {
  StopChecker checker(with_stops({"</s>"}), kEosIds);
  EXPECT_EQ(checker.push(kText, "abc<").emit, "abc");
  const auto r = checker.push(kText, "b>");
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.emit, "<b>");
}

TEST(StopChecker, FlushReleasesHeldBackTextAtTheEnd) {
  StopChecker checker(with_stops({"</s>"}), kEosIds);
  EXPECT_EQ(checker.push(kText, "abc<").emit, "abc");
  EXPECT_EQ(checker.push(kText, "/").emit, "");
  EXPECT_EQ(checker.flush(), "</");  // e.g. max_tokens reached
  EXPECT_EQ(checker.flush(), "");
}

TEST(StopChecker, OverlappingPrefixTokenByToken) {
  // "a" + "a" + "b": the first "a" is not part of the match "ab".
  StopChecker checker(with_stops({"ab"}), kEosIds);
  EXPECT_EQ(checker.push(kText, "a").emit, "");
  EXPECT_EQ(checker.push(kText, "a").emit, "a");
  const auto r = checker.push(kText, "b");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "");
  EXPECT_EQ(r.stop_string, "ab");
}

TEST(StopChecker, OverlappingPrefixInOnePiece) {
  StopChecker checker(with_stops({"ab"}), kEosIds);
  const auto r = checker.push(kText, "aab");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "a");
}

TEST(StopChecker, EarliestOfSeveralStopStringsInOnePieceWins) {
  StopChecker checker(with_stops({"world", "lo"}), kEosIds);
  const auto r = checker.push(kText, "hello world");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "hel");
  EXPECT_EQ(r.stop_string, "lo");
}

TEST(StopChecker, SameStartGoesToTheFirstListed) {
  StopChecker checker(with_stops({"abc", "ab"}, /*include=*/true), kEosIds);
  const auto r = checker.push(kText, "xabcd");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "xabc");
  EXPECT_EQ(r.stop_string, "abc");
}

TEST(StopChecker, HoldsTheLongestPossibleStartOfAnyStopString) {
  // "xab" could begin "abc" (2 bytes) and "bz" (1 byte): hold the 2.
  StopChecker checker(with_stops({"bz", "abc"}), kEosIds);
  EXPECT_EQ(checker.push(kText, "xab").emit, "x");
  const auto r = checker.push(kText, "z");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "a");
  EXPECT_EQ(r.stop_string, "bz");
}

TEST(StopChecker, MultiByteStopString) {
  StopChecker checker(with_stops({"é!"}), kEosIds);
  EXPECT_EQ(checker.push(kText, "caf").emit, "caf");
  EXPECT_EQ(checker.push(kText, "é").emit, "");
  const auto r = checker.push(kText, "!!");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "");
}

TEST(StopChecker, EosStopsWithoutItsText) {
  StopChecker checker(with_stops({}, /*include=*/true), kEosIds);
  EXPECT_EQ(checker.push(kText, "hi").emit, "hi");
  const auto r = checker.push(kEos, "</s>");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.stop_token, kEos);
  EXPECT_FALSE(r.stop_string.has_value());
  EXPECT_EQ(r.emit, "");  // EOS text never, even with include_stop_str_in_output
}

TEST(StopChecker, StopTokenIdStopsAndItsTextOnlyWithInclude) {
  SamplingParams p;
  p.stop_token_ids = {9};
  {
    StopChecker checker(p, kEosIds);
    const auto r = checker.push(9, "<|im_end|>");
    EXPECT_TRUE(r.stopped);
    EXPECT_EQ(r.stop_token, 9);
    EXPECT_EQ(r.emit, "");
  }
  p.include_stop_str_in_output = true;
  StopChecker checker(p, kEosIds);
  const auto r = checker.push(9, "<|im_end|>");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "<|im_end|>");
}

TEST(StopChecker, StopTokenReleasesHeldBackText) {
  StopChecker checker(with_stops({"END"}), kEosIds);
  EXPECT_EQ(checker.push(kText, "foo E").emit, "foo ");
  const auto r = checker.push(kEos, "");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "E");
  EXPECT_EQ(checker.flush(), "");
}

TEST(StopChecker, IgnoreEosMakesEosOrdinaryButKeepsStopTokenIds) {
  SamplingParams p;
  p.ignore_eos = true;
  p.stop_token_ids = {9};
  StopChecker checker(p, kEosIds);
  auto r = checker.push(kEos, "");
  EXPECT_FALSE(r.stopped);
  r = checker.push(kText, "more");
  EXPECT_EQ(r.emit, "more");
  r = checker.push(9, "");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.stop_token, 9);
}

TEST(StopChecker, NothingStopsBeforeMinTokens) {
  SamplingParams p = with_stops({"x"});
  p.min_tokens = 3;
  p.stop_token_ids = {9};
  StopChecker checker(p, kEosIds);
  auto r = checker.push(kEos, "");  // 1st
  EXPECT_FALSE(r.stopped);
  r = checker.push(9, "");  // 2nd
  EXPECT_FALSE(r.stopped);
  r = checker.push(kText, "ax");  // 3rd: min_tokens reached with this one
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "a");
  EXPECT_EQ(r.stop_string, "x");
}

TEST(StopChecker, StopStringStreamedBeforeMinTokensNoLongerStops) {
  SamplingParams p = with_stops({"x"});
  p.min_tokens = 2;
  StopChecker checker(p, kEosIds);
  auto r = checker.push(kText, "axb");
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.emit, "axb");
  r = checker.push(kText, "c");
  EXPECT_FALSE(r.stopped);
  EXPECT_EQ(r.emit, "c");
  r = checker.push(kEos, "");
  EXPECT_TRUE(r.stopped);
}

TEST(StopChecker, StopStringStartedBeforeMinTokensCanFinishAfter) {
  SamplingParams p = with_stops({"xy"});
  p.min_tokens = 2;
  StopChecker checker(p, kEosIds);
  EXPECT_EQ(checker.push(kText, "ax").emit, "a");
  const auto r = checker.push(kText, "yz");
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(r.emit, "");
}

// Random texts split at random points: what is streamed (plus flush) is the
// text cut at the earliest stop string, however the pieces fall, and nothing
// is streamed that a later piece takes back.
TEST(StopChecker, RandomSplitsStreamTheReferenceCut) {
  const std::vector<std::string> stops = {"abc", "bb", "cab"};
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; ++round) {
    const bool include = round % 2 == 1;
    std::string text;
    const int length = static_cast<int>(rng() % 24);
    for (int i = 0; i < length; ++i) text += static_cast<char>('a' + rng() % 3);

    std::size_t cut = std::string::npos;
    std::string first;
    for (const auto& s : stops) {
      const std::size_t at = text.find(s);
      if (at < cut) {
        cut = at;
        first = s;
      }
    }
    const std::string expected = cut == std::string::npos ? text : text.substr(0, cut + (include ? first.size() : 0));

    StopChecker checker(with_stops(stops, include), kEosIds);
    std::string streamed;
    std::size_t pos = 0;
    bool stopped = false;
    while (pos < text.size() && !stopped) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 4, text.size() - pos);
      const auto r = checker.push(kText, std::string_view(text).substr(pos, n));
      pos += n;
      streamed += r.emit;
      ASSERT_EQ(expected.compare(0, streamed.size(), streamed), 0) << text;
      if (r.stopped) {
        stopped = true;
        EXPECT_EQ(r.stop_string, first) << text;
      }
    }
    if (!stopped) streamed += checker.flush();
    EXPECT_EQ(stopped, cut != std::string::npos) << text;
    EXPECT_EQ(streamed, expected) << text;
  }
}

}  // namespace
}  // namespace servir
