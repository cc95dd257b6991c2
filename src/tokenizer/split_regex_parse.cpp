// SplitRegex::compile: a recursive-descent parser from pattern text to nodes.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/split_regex.h"
#include "tokenizer/split_regex_node.h"

namespace servir {
namespace {

using regex_detail::CharClass;
using regex_detail::Node;

struct NamedCategory {
  std::string_view name;
  CategoryMask mask;
};

CategoryMask bit(UnicodeCategory c) { return category_bit(c); }

const NamedCategory* find_category(std::string_view name) {
  using C = UnicodeCategory;
  static const NamedCategory kTable[] = {
      {"L", kMaskLetter},
      {"Letter", kMaskLetter},
      {"Lu", bit(C::kLu)},
      {"Ll", bit(C::kLl)},
      {"Lt", bit(C::kLt)},
      {"Lm", bit(C::kLm)},
      {"Lo", bit(C::kLo)},
      {"M", kMaskMark},
      {"Mark", kMaskMark},
      {"Mn", bit(C::kMn)},
      {"Mc", bit(C::kMc)},
      {"Me", bit(C::kMe)},
      {"N", kMaskNumber},
      {"Number", kMaskNumber},
      {"Nd", bit(C::kNd)},
      {"Nl", bit(C::kNl)},
      {"No", bit(C::kNo)},
      {"P", kMaskPunctuation},
      {"Punctuation", kMaskPunctuation},
      {"Pc", bit(C::kPc)},
      {"Pd", bit(C::kPd)},
      {"Ps", bit(C::kPs)},
      {"Pe", bit(C::kPe)},
      {"Pi", bit(C::kPi)},
      {"Pf", bit(C::kPf)},
      {"Po", bit(C::kPo)},
      {"S", kMaskSymbol},
      {"Symbol", kMaskSymbol},
      {"Sm", bit(C::kSm)},
      {"Sc", bit(C::kSc)},
      {"Sk", bit(C::kSk)},
      {"So", bit(C::kSo)},
      {"Z", kMaskSeparator},
      {"Separator", kMaskSeparator},
      {"Zs", bit(C::kZs)},
      {"Zl", bit(C::kZl)},
      {"Zp", bit(C::kZp)},
      {"C", kMaskOther},
      {"Other", kMaskOther},
      {"Cc", bit(C::kCc)},
      {"Cf", bit(C::kCf)},
      {"Cs", bit(C::kCs)},
      {"Co", bit(C::kCo)},
      {"Cn", bit(C::kCn)},
  };
  for (const auto& entry : kTable) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

// \w in Oniguruma's Unicode mode: letters, marks, decimal digits, connector punctuation.
constexpr CategoryMask kMaskWord = kMaskLetter | kMaskMark | (1u << static_cast<int>(UnicodeCategory::kNd)) |
                                   (1u << static_cast<int>(UnicodeCategory::kPc));

class Parser {
 public:
  Parser(std::string_view pattern, std::vector<std::unique_ptr<Node>>& nodes) : nodes_(nodes) {
    for (std::size_t pos = 0; pos < pattern.size();) {
      std::size_t length = 1;
      cps_.push_back(utf8_decode(pattern, pos, length));
      pos += length;
    }
  }

  Result<const Node*> parse() {
    const Node* root = parse_alternation();
    if (!error_.ok()) return error_;
    if (pos_ != cps_.size()) {
      fail(ErrorCode::kInvalidArgument, "unbalanced ')'");
      return error_;
    }
    return as_sequence(root);
  }

 private:
  Node* make(Node::Kind kind) {
    nodes_.push_back(std::make_unique<Node>());
    nodes_.back()->kind = kind;
    return nodes_.back().get();
  }
  Node* fail(ErrorCode code, std::string message) {
    if (error_.ok()) error_ = Status(code, fmt::format("regex at {}: {}", pos_, message));
    return make(Node::Kind::kSeq);
  }
  bool at_end() const { return pos_ >= cps_.size(); }
  std::uint32_t peek(std::size_t ahead = 0) const {
    return pos_ + ahead < cps_.size() ? cps_[pos_ + ahead] : kInvalidCodePoint;
  }
  bool eat(std::uint32_t c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  // Always returns a kAlt node whose children are kSeq nodes, or one kSeq.
  const Node* parse_alternation() {
    std::vector<const Node*> branches{parse_sequence()};
    while (error_.ok() && eat('|')) branches.push_back(parse_sequence());
    if (branches.size() == 1) return branches[0];
    Node* alt = make(Node::Kind::kAlt);
    alt->children = std::move(branches);
    return alt;
  }

  const Node* as_sequence(const Node* node) {
    if (node->kind == Node::Kind::kSeq) return node;
    Node* seq = make(Node::Kind::kSeq);
    seq->children.push_back(node);
    return seq;
  }

  const Node* parse_sequence() {
    Node* seq = make(Node::Kind::kSeq);
    while (error_.ok() && !at_end() && peek() != '|' && peek() != ')') {
      const Node* atom = parse_atom();
      if (!error_.ok()) break;
      atom = parse_quantifier(atom);
      if (atom->kind == Node::Kind::kSeq) {
        // Inline a plain group's items.
        seq->children.insert(seq->children.end(), atom->children.begin(), atom->children.end());
      } else {
        seq->children.push_back(atom);
      }
    }
    return seq;
  }

  bool parse_number(std::uint32_t& value) {
    if (peek() < '0' || peek() > '9') return false;
    value = 0;
    while (peek() >= '0' && peek() <= '9') {
      value = value * 10 + (cps_[pos_++] - '0');
      if (value > 100000) return false;
    }
    return true;
  }

  const Node* parse_quantifier(const Node* atom) {
    std::uint32_t min = 0, max = 0;
    const std::size_t start = pos_;
    if (eat('?')) {
      min = 0, max = 1;
    } else if (eat('*')) {
      min = 0, max = UINT32_MAX;
    } else if (eat('+')) {
      min = 1, max = UINT32_MAX;
    } else if (peek() == '{') {
      ++pos_;
      if (!parse_number(min)) {
        pos_ = start;  // a literal '{'
        return atom;
      }
      max = min;
      if (eat(',')) {
        max = UINT32_MAX;
        parse_number(max);
      }
      if (!eat('}') || max < min) return fail(ErrorCode::kInvalidArgument, "bad {n,m} quantifier");
    } else {
      return atom;
    }
    if (atom->kind == Node::Kind::kLook) return fail(ErrorCode::kUnsupported, "quantified lookahead");
    Node* rep = make(Node::Kind::kRepeat);
    rep->min = min;
    rep->max = max;
    if (eat('?')) {
      rep->greedy = false;
    } else if (peek() == '+') {
      return fail(ErrorCode::kUnsupported, "possessive quantifier");
    }
    rep->children.push_back(as_sequence(atom));
    rep->single = is_single(rep->children[0]);
    if (peek() == '?' || peek() == '*' || peek() == '+') return fail(ErrorCode::kInvalidArgument, "nested quantifier");
    return rep;
  }

  static bool is_single(const Node* node) {
    switch (node->kind) {
      case Node::Kind::kClass:
        return true;
      case Node::Kind::kAlt:
        for (const Node* child : node->children) {
          if (!is_single(child)) return false;
        }
        return !node->children.empty();
      case Node::Kind::kSeq: {
        int consuming = 0;
        for (const Node* child : node->children) {
          if (child->kind == Node::Kind::kLook) continue;
          if (!is_single(child)) return false;
          ++consuming;
        }
        return consuming == 1;
      }
      case Node::Kind::kRepeat:
        return node->min == 1 && node->max == 1 && node->single;
      case Node::Kind::kLook:
        return false;
    }
    return false;
  }

  const Node* parse_atom() {
    const std::uint32_t c = cps_[pos_++];
    switch (c) {
      case '(':
        return parse_group();
      case '[':
        return parse_class();
      case '.': {
        Node* node = make(Node::Kind::kClass);
        node->cls.ranges.push_back({'\n', '\n'});
        node->cls.negated = true;
        node->cls.finalize();
        return node;
      }
      case '\\':
        return parse_escape_atom();
      case '^':
      case '$':
        return fail(ErrorCode::kUnsupported, "anchors");
      case '*':
      case '+':
      case '?':
        return fail(ErrorCode::kInvalidArgument, "quantifier without an operand");
      default:
        if (c == kInvalidCodePoint) return fail(ErrorCode::kInvalidArgument, "invalid UTF-8 in pattern");
        return literal(c);
    }
  }

  const Node* literal(std::uint32_t c) {
    Node* node = make(Node::Kind::kClass);
    node->cls.ranges.push_back({c, c});
    if (case_insensitive_) add_case_variants(node->cls, c);
    node->cls.finalize();
    return node;
  }

  static void add_case_variants(CharClass& cls, std::uint32_t c) {
    if (c >= 'a' && c <= 'z') cls.ranges.push_back({c - 32, c - 32});
    if (c >= 'A' && c <= 'Z') cls.ranges.push_back({c + 32, c + 32});
    // Unicode simple case folding beyond ASCII that reaches ASCII letters.
    if (c == 's' || c == 'S') cls.ranges.push_back({0x17F, 0x17F});    // LATIN SMALL LETTER LONG S
    if (c == 'k' || c == 'K') cls.ranges.push_back({0x212A, 0x212A});  // KELVIN SIGN
  }

  const Node* parse_group() {
    bool saved_ci = case_insensitive_;
    Node* look = nullptr;
    if (eat('?')) {
      if (eat(':')) {
      } else if (eat('=')) {
        look = make(Node::Kind::kLook);
      } else if (eat('!')) {
        look = make(Node::Kind::kLook);
        look->negative = true;
      } else if (peek() == 'i' && peek(1) == ':') {
        pos_ += 2;
        case_insensitive_ = true;
      } else {
        return fail(ErrorCode::kUnsupported, "group kind (lookbehind, named, flags)");
      }
    }
    const Node* inner = parse_alternation();
    case_insensitive_ = saved_ci;
    if (!error_.ok()) return inner;
    if (!eat(')')) return fail(ErrorCode::kInvalidArgument, "missing ')'");
    if (look != nullptr) {
      look->children.push_back(as_sequence(inner));
      return look;
    }
    return inner;  // a kSeq is inlined by the caller unless quantified
  }

  // Parses the escape after '\' into `cls` (adding to it). Returns false on error.
  bool parse_escape_into(CharClass& cls) {
    if (at_end()) {
      fail(ErrorCode::kInvalidArgument, "trailing backslash");
      return false;
    }
    const std::uint32_t c = cps_[pos_++];
    switch (c) {
      case 's':
        cls.white_space = true;
        return true;
      case 'S':
        cls.not_white_space = true;
        return true;
      case 'd':
        cls.categories |= bit(UnicodeCategory::kNd);
        return true;
      case 'D':
        cls.categories |= kMaskAll & ~bit(UnicodeCategory::kNd);
        return true;
      case 'w':
        cls.categories |= kMaskWord;
        return true;
      case 'W':
        cls.categories |= kMaskAll & ~kMaskWord;
        return true;
      case 'p':
      case 'P': {
        std::string name;
        if (eat('{')) {
          while (!at_end() && peek() != '}') name.push_back(static_cast<char>(cps_[pos_++] & 0x7F));
          if (!eat('}')) {
            fail(ErrorCode::kInvalidArgument, "unterminated \\p{");
            return false;
          }
        } else if (!at_end()) {
          name.push_back(static_cast<char>(cps_[pos_++] & 0x7F));
        }
        bool negate = c == 'P';
        if (!name.empty() && name[0] == '^') {
          negate = !negate;
          name.erase(0, 1);
        }
        const NamedCategory* category = find_category(name);
        if (category == nullptr) {
          fail(ErrorCode::kUnsupported, fmt::format("unicode property '{}'", name));
          return false;
        }
        cls.categories |= negate ? (kMaskAll & ~category->mask) : category->mask;
        return true;
      }
      default: {
        std::uint32_t value = 0;
        if (!escape_value(c, value)) return false;
        cls.ranges.push_back({value, value});
        if (case_insensitive_) add_case_variants(cls, value);
        return true;
      }
    }
  }

  // A single-character escape's code point.
  bool escape_value(std::uint32_t c, std::uint32_t& value) {
    switch (c) {
      case 'r':
        value = '\r';
        return true;
      case 'n':
        value = '\n';
        return true;
      case 't':
        value = '\t';
        return true;
      case 'f':
        value = '\f';
        return true;
      case 'v':
        value = '\v';
        return true;
      case 'a':
        value = 0x07;
        return true;
      case 'e':
        value = 0x1B;
        return true;
      case '0':
        value = 0;
        return true;
      case 'x':
      case 'u': {
        const bool braced = c == 'x' && eat('{');
        const std::size_t digits = braced ? 8 : (c == 'x' ? 2 : 4);
        value = 0;
        std::size_t n = 0;
        while (n < digits && !at_end()) {
          const std::uint32_t h = peek();
          int d = -1;
          if (h >= '0' && h <= '9') d = static_cast<int>(h - '0');
          if (h >= 'a' && h <= 'f') d = static_cast<int>(h - 'a' + 10);
          if (h >= 'A' && h <= 'F') d = static_cast<int>(h - 'A' + 10);
          if (d < 0) break;
          value = value * 16 + static_cast<std::uint32_t>(d);
          ++pos_, ++n;
        }
        if (n == 0 || (braced && !eat('}')) || (!braced && n != digits) || value > 0x10FFFF) {
          fail(ErrorCode::kInvalidArgument, "bad hex escape");
          return false;
        }
        return true;
      }
      default:
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '1' && c <= '9')) {
          fail(ErrorCode::kUnsupported, fmt::format("escape \\{}", static_cast<char>(c)));
          return false;
        }
        value = c;  // an escaped punctuation character stands for itself
        return true;
    }
  }

  const Node* parse_escape_atom() {
    Node* node = make(Node::Kind::kClass);
    if (!parse_escape_into(node->cls)) return node;
    node->cls.finalize();
    return node;
  }

  const Node* parse_class() {
    Node* node = make(Node::Kind::kClass);
    CharClass& cls = node->cls;
    if (eat('^')) cls.negated = true;
    bool first = true;
    while (true) {
      if (at_end()) return fail(ErrorCode::kInvalidArgument, "unterminated '['");
      std::uint32_t c = cps_[pos_++];
      if (c == ']' && !first) break;
      first = false;
      if (c == '[') return fail(ErrorCode::kUnsupported, "nested character class");
      std::uint32_t lo = 0;
      if (c == '\\') {
        const std::uint32_t e = peek();
        if (e == 's' || e == 'S' || e == 'd' || e == 'D' || e == 'w' || e == 'W' || e == 'p' || e == 'P') {
          if (!parse_escape_into(cls)) return node;
          continue;
        }
        ++pos_;
        if (!escape_value(e, lo)) return node;
      } else {
        lo = c;
      }
      std::uint32_t hi = lo;
      if (peek() == '-' && peek(1) != ']' && peek(1) != kInvalidCodePoint) {
        ++pos_;
        std::uint32_t h = cps_[pos_++];
        if (h == '\\') {
          if (at_end()) return fail(ErrorCode::kInvalidArgument, "bad range");
          const std::uint32_t e = cps_[pos_++];
          if (!escape_value(e, h)) return node;
        }
        hi = h;
        if (hi < lo) return fail(ErrorCode::kInvalidArgument, "reversed range");
      }
      cls.ranges.push_back({lo, hi});
      if (case_insensitive_) {
        for (std::uint32_t v = lo; v <= hi && v < 128; ++v) add_case_variants(cls, v);
      }
    }
    cls.finalize();
    return node;
  }

  std::vector<std::unique_ptr<Node>>& nodes_;
  std::vector<std::uint32_t> cps_;
  std::size_t pos_ = 0;
  bool case_insensitive_ = false;
  Status error_;
};

}  // namespace

Result<SplitRegex> SplitRegex::compile(std::string_view pattern) {
  SplitRegex regex;
  regex.pattern_ = std::string(pattern);
  Parser parser(pattern, regex.nodes_);
  Result<const Node*> root = parser.parse();
  if (!root.ok()) return root.status().with_prefix(fmt::format("pattern '{}'", pattern));
  regex.root_ = *root;
  return regex;
}

}  // namespace servir
