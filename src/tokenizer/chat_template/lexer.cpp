#include "tokenizer/chat_template/lexer.h"

#include <cerrno>
#include <cstdlib>
#include <optional>

#include "tokenizer/chat_template/error.h"
#include "tokenizer/chat_template/py_string.h"

namespace servir::jinja {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// CRLF and CR become LF; one trailing newline goes (keep_trailing_newline=False).
std::string normalize_newlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out.push_back(source[i]);
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Python's "unicode-escape" decoding of a string literal body.
std::string unescape(std::string_view body, int line) {
  std::string out;
  std::optional<char32_t> pending_high;  // a \uD8xx waiting for its low half
  auto flush_pending = [&] {
    if (pending_high) utf8_append(out, *pending_high);
    pending_high.reset();
  };
  auto append_cp = [&](char32_t cp) {
    if (cp >= 0xDC00 && cp <= 0xDFFF && pending_high) {
      char32_t combined = 0x10000 + ((*pending_high - 0xD800) << 10) + (cp - 0xDC00);
      pending_high.reset();
      utf8_append(out, combined);
      return;
    }
    flush_pending();
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      pending_high = cp;
      return;
    }
    if (cp > 0x10FFFF) throw TemplateError(ErrorCode::kInvalidArgument, "invalid \\U escape in string literal", line);
    utf8_append(out, cp);
  };
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      flush_pending();
      out.push_back(c);
      continue;
    }
    char e = body[++i];
    switch (e) {
      case '\n':
        break;
      case '\\':
      case '\'':
      case '"':
        flush_pending();
        out.push_back(e);
        break;
      case 'a':
        append_cp(7);
        break;
      case 'b':
        append_cp(8);
        break;
      case 'f':
        append_cp(12);
        break;
      case 'n':
        append_cp('\n');
        break;
      case 'r':
        append_cp('\r');
        break;
      case 't':
        append_cp('\t');
        break;
      case 'v':
        append_cp(11);
        break;
      case 'x':
      case 'u':
      case 'U': {
        std::size_t n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
        char32_t cp = 0;
        for (std::size_t k = 0; k < n; ++k) {
          int h = i + 1 + k < body.size() ? hex_value(body[i + 1 + k]) : -1;
          if (h < 0) {
            throw TemplateError(ErrorCode::kInvalidArgument,
                                fmt::format("truncated \\{}{} escape in string literal", e, std::string(n, 'X')), line);
          }
          cp = cp * 16 + static_cast<char32_t>(h);
        }
        i += n;
        append_cp(cp);
        break;
      }
      case 'N':
        throw TemplateError(ErrorCode::kInvalidArgument, "\\N{...} escapes are not supported", line);
      default:
        if (e >= '0' && e <= '7') {
          char32_t cp = static_cast<char32_t>(e - '0');
          for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7'; ++k) {
            cp = cp * 8 + static_cast<char32_t>(body[++i] - '0');
          }
          append_cp(cp);
        } else {
          flush_pending();
          out.push_back('\\');
          out.push_back(e);
        }
    }
  }
  flush_pending();
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(normalize_newlines(source)) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) {
      std::size_t next = find_tag_start(pos_);
      if (next == std::string::npos) {
        emit_text(src_.substr(pos_));
        advance_to(src_.size());
        break;
      }
      char type = src_[next + 1];
      char sign = next + 2 < src_.size() ? src_[next + 2] : '\0';
      bool has_sign = sign == '-' || sign == '+';
      std::string text = src_.substr(pos_, next - pos_);
      std::size_t raw_end = type == '%' ? match_raw_begin(next) : 0;
      text = control_text_before(std::move(text), has_sign ? sign : '\0', type != '{');
      emit_text(text);
      advance_to(next + 2 + (has_sign ? 1 : 0));
      if (raw_end != 0) {
        lex_raw(raw_end);
      } else if (type == '#') {
        lex_comment();
      } else {
        lex_tag(type == '%');
      }
    }
    push(TokenKind::kEof, "");
    return std::move(out_);
  }

 private:
  std::size_t find_tag_start(std::size_t from) const {
    while (true) {
      std::size_t p = src_.find('{', from);
      if (p == std::string::npos || p + 1 >= src_.size()) return std::string::npos;
      char c = src_[p + 1];
      if (c == '{' || c == '%' || c == '#') return p;
      from = p + 1;
    }
  }

  // The `-` sign strips all whitespace before a tag; lstrip_blocks strips
  // spaces and tabs between a line start and a block or comment tag.
  std::string control_text_before(std::string text, char sign, bool is_block_or_comment) const {
    if (sign == '-') return py_strip(text, std::nullopt, false, true);
    if (sign == '+' || !is_block_or_comment) return text;
    std::size_t newline = text.rfind('\n');
    std::size_t l_pos = newline == std::string::npos ? 0 : newline + 1;
    if (l_pos > 0 || line_starting_) {
      bool only_blank = true;
      for (std::size_t i = l_pos; i < text.size(); ++i) {
        if (text[i] != ' ' && text[i] != '\t') only_blank = false;
      }
      if (only_blank) text.resize(l_pos);
    }
    return text;
  }

  // Returns the position after `{% raw %}` if one starts at `at`, else 0.
  std::size_t match_raw_begin(std::size_t at) const {
    std::size_t p = at + 2;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    while (p < src_.size() && is_space(src_[p])) ++p;
    if (src_.compare(p, 3, "raw") != 0) return 0;
    p += 3;
    if (p < src_.size() && is_name_char(src_[p])) return 0;
    while (p < src_.size() && is_space(src_[p])) ++p;
    if (src_.compare(p, 3, "-%}") == 0) {
      p += 3;
      while (p < src_.size() && is_space(src_[p])) ++p;
      return p;
    }
    if (src_.compare(p, 2, "%}") == 0) return p + 2;
    return 0;
  }

  void lex_raw(std::size_t body_start) {
    advance_to(body_start);
    std::size_t search = pos_;
    while (true) {
      std::size_t p = src_.find("{%", search);
      if (p == std::string::npos) fail_here("missing end of raw directive");
      std::size_t q = p + 2;
      char sign = '\0';
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) sign = src_[q++];
      while (q < src_.size() && is_space(src_[q])) ++q;
      if (src_.compare(q, 6, "endraw") != 0 || (q + 6 < src_.size() && is_name_char(src_[q + 6]))) {
        search = p + 2;
        continue;
      }
      q += 6;
      while (q < src_.size() && is_space(src_[q])) ++q;
      std::string body = src_.substr(pos_, p - pos_);
      emit_text(control_text_before(std::move(body), sign, true));
      advance_to(q);
      finish_block_end('%', "endraw");
      return;
    }
  }

  void lex_comment() {
    std::size_t p = src_.find("#}", pos_);
    if (p == std::string::npos) fail_here("missing end of comment tag");
    char sign = (p > pos_ && (src_[p - 1] == '-' || src_[p - 1] == '+')) ? src_[p - 1] : '\0';
    advance_to(p + 2);
    after_end(sign);
  }

  // Consumes `%}` (with its sign) at pos_, for raw blocks.
  void finish_block_end(char close, const char* what) {
    char sign = '\0';
    if (pos_ < src_.size() && (src_[pos_] == '-' || src_[pos_] == '+')) sign = src_[pos_++];
    if (pos_ + 1 >= src_.size() || src_[pos_] != close || src_[pos_ + 1] != '}')
      fail_here(fmt::format("expected end of {} tag", what));
    advance_to(pos_ + 2);
    after_end(sign);
  }

  // Whitespace after a closing tag: `-` strips it all, trim_blocks drops one
  // newline after blocks and comments, `+` keeps it.
  void after_end(char sign, bool is_variable = false) {
    if (sign == '-') {
      std::size_t p = pos_;
      while (p < src_.size() && is_space(src_[p])) ++p;
      advance_to(p);
    } else if (sign != '+' && !is_variable && pos_ < src_.size() && src_[pos_] == '\n') {
      advance_to(pos_ + 1);
    }
    line_starting_ = pos_ > 0 && src_[pos_ - 1] == '\n';
  }

  void lex_tag(bool is_block) {
    push(is_block ? TokenKind::kBlockBegin : TokenKind::kVarBegin, "");
    std::vector<char> brackets;
    while (true) {
      while (pos_ < src_.size() && is_space(src_[pos_])) advance_to(pos_ + 1);
      if (pos_ >= src_.size()) fail_here("unexpected end of template, expected end of tag");
      if (brackets.empty() && try_tag_end(is_block)) return;
      char c = src_[pos_];
      if (is_name_start(c)) {
        std::size_t e = pos_;
        while (e < src_.size() && is_name_char(src_[e])) ++e;
        push(TokenKind::kName, src_.substr(pos_, e - pos_));
        advance_to(e);
      } else if (is_digit(c)) {
        lex_number();
      } else if (c == '\'' || c == '"') {
        lex_string(c);
      } else {
        lex_operator(brackets);
      }
    }
  }

  bool try_tag_end(bool is_block) {
    const char* close = is_block ? "%}" : "}}";
    if (src_.compare(pos_, 2, close) == 0) {
      push(is_block ? TokenKind::kBlockEnd : TokenKind::kVarEnd, "");
      advance_to(pos_ + 2);
      after_end('\0', !is_block);
      return true;
    }
    bool minus = src_[pos_] == '-';
    bool plus = src_[pos_] == '+' && is_block;
    if ((minus || plus) && src_.compare(pos_ + 1, 2, close) == 0) {
      push(is_block ? TokenKind::kBlockEnd : TokenKind::kVarEnd, "");
      advance_to(pos_ + 3);
      after_end(src_[pos_ - 3], !is_block);
      return true;
    }
    return false;
  }

  void lex_number() {
    std::size_t e = pos_;
    std::string digits;
    auto take_digits = [&] {
      while (e < src_.size() &&
             (is_digit(src_[e]) || (src_[e] == '_' && e + 1 < src_.size() && is_digit(src_[e + 1])))) {
        if (src_[e] != '_') digits.push_back(src_[e]);
        ++e;
      }
    };
    take_digits();
    bool after_dot = pos_ > 0 && src_[pos_ - 1] == '.';  // `x.0.1` is two getattrs
    bool is_float = false;
    if (!after_dot && e + 1 < src_.size() && src_[e] == '.' && is_digit(src_[e + 1])) {
      is_float = true;
      digits.push_back('.');
      ++e;
      take_digits();
    }
    if (!after_dot && e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      std::size_t f = e + 1;
      if (f < src_.size() && (src_[f] == '+' || src_[f] == '-')) ++f;
      if (f < src_.size() && is_digit(src_[f])) {
        is_float = true;
        digits.push_back('e');
        digits.append(src_, e + 1, f - e - 1);
        e = f;
        take_digits();
      }
    }
    Token t;
    t.line = line_;
    if (is_float) {
      t.kind = TokenKind::kFloat;
      t.float_value = std::strtod(digits.c_str(), nullptr);
    } else {
      t.kind = TokenKind::kInt;
      errno = 0;
      t.int_value = std::strtoll(digits.c_str(), nullptr, 10);
      if (errno == ERANGE) fail_here("integer literal too large");
    }
    t.value = src_.substr(pos_, e - pos_);
    out_.push_back(std::move(t));
    advance_to(e);
  }

  void lex_string(char quote) {
    std::size_t e = pos_ + 1;
    while (e < src_.size() && src_[e] != quote) {
      if (src_[e] == '\\') ++e;
      ++e;
    }
    if (e >= src_.size()) fail_here("unexpected end of string literal");
    int start_line = line_;
    std::string body = unescape(std::string_view(src_).substr(pos_ + 1, e - pos_ - 1), start_line);
    push(TokenKind::kString, std::move(body));
    advance_to(e + 1);
  }

  void lex_operator(std::vector<char>& brackets) {
    static const char* const kOps[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~", "[",
                                       "]",  "(",  ")",  "{",  "}",  "<",  ">", "=", ".", ":", "|", ",", ";"};
    for (const char* op : kOps) {
      std::size_t n = std::char_traits<char>::length(op);
      if (src_.compare(pos_, n, op) != 0) continue;
      char c = op[0];
      if (n == 1 && (c == '(' || c == '[' || c == '{')) {
        brackets.push_back(c == '(' ? ')' : (c == '[' ? ']' : '}'));
      } else if (n == 1 && (c == ')' || c == ']' || c == '}')) {
        if (brackets.empty()) fail_here(fmt::format("unexpected '{}'", c));
        if (brackets.back() != c) fail_here(fmt::format("unexpected '{}', expected '{}'", c, brackets.back()));
        brackets.pop_back();
      }
      push(TokenKind::kOp, op);
      advance_to(pos_ + n);
      return;
    }
    auto c = static_cast<unsigned char>(src_[pos_]);
    fail_here(c >= 0x20 && c < 0x7F ? fmt::format("unexpected char '{}'", src_[pos_])
                                    : fmt::format("unexpected byte 0x{:02x}", c));
  }

  void emit_text(std::string text) {
    if (text.empty()) return;
    push(TokenKind::kText, std::move(text));
  }

  void push(TokenKind kind, std::string value) {
    Token t;
    t.kind = kind;
    t.value = std::move(value);
    t.line = line_;
    out_.push_back(std::move(t));
  }

  void advance_to(std::size_t p) {
    for (std::size_t i = pos_; i < p && i < src_.size(); ++i) {
      if (src_[i] == '\n') ++line_;
    }
    pos_ = p;
  }

  [[noreturn]] void fail_here(std::string message) const {
    throw TemplateError(ErrorCode::kInvalidArgument, std::move(message), line_);
  }

  std::string src_;
  std::size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> out_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

}  // namespace servir::jinja
