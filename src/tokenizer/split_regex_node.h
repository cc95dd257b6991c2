// Internal node types of SplitRegex (tokenizer/split_regex.h): shared by the
// parser (split_regex_parse.cpp) and the matcher (split_regex.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "tokenizer/unicode.h"

namespace servir::regex_detail {

// A set of code points: union of categories, White_Space or its complement,
// and explicit ranges, optionally negated. Invalid bytes have category So.
struct CharClass {
  CategoryMask categories = 0;
  bool white_space = false;
  bool not_white_space = false;
  bool negated = false;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
  std::array<std::uint64_t, 2> ascii{};  // precomputed answers for U+0000..U+007F

  bool test_slow(std::uint32_t cp, std::uint8_t props) const {
    bool in = ((categories >> (props & 0x1F)) & 1) != 0;
    const bool ws = (props & 0x20) != 0;
    in = in || (white_space && ws) || (not_white_space && !ws);
    if (!in) {
      for (const auto& [lo, hi] : ranges) {
        if (cp >= lo && cp <= hi) {
          in = true;
          break;
        }
      }
    }
    return in != negated;
  }
  bool test(std::uint32_t cp, std::uint8_t props) const {
    if (cp < 128) return ((ascii[cp >> 6] >> (cp & 63)) & 1) != 0;
    return test_slow(cp, props);
  }
  void finalize() {
    ascii = {};
    for (std::uint32_t cp = 0; cp < 128; ++cp) {
      if (test_slow(cp, unicode_properties(cp))) ascii[cp >> 6] |= std::uint64_t{1} << (cp & 63);
    }
  }
};

struct Node {
  enum class Kind : std::uint8_t { kClass, kSeq, kAlt, kRepeat, kLook };
  Kind kind = Kind::kSeq;
  CharClass cls;                      // kClass
  std::vector<const Node*> children;  // kSeq: items; kAlt: one kSeq per branch; kRepeat, kLook: one kSeq
  std::uint32_t min = 0;              // kRepeat
  std::uint32_t max = 0;              // kRepeat; UINT32_MAX = unbounded
  bool greedy = true;                 // kRepeat
  bool single = false;                // kRepeat: the body always consumes exactly one code point
  bool negative = false;              // kLook
};

}  // namespace servir::regex_detail
