// Splits a template into text and tag tokens the way Jinja2's lexer does in
// transformers' environment: trim_blocks and lstrip_blocks on, `-`/`+`
// whitespace control, comments dropped, {% raw %} kept verbatim, newlines
// normalized to "\n" and one trailing newline removed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace servir::jinja {

enum class TokenKind : std::uint8_t {
  kText,
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,
  kInt,
  kFloat,
  kOp,  // value holds the operator: + - * / // % ** ~ == != < <= > >= = ( ) [ ] { } , . : |
  kEof,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  std::string value;  // text, name, decoded string literal, operator
  std::int64_t int_value = 0;
  double float_value = 0.0;
  int line = 1;
};

// Fails (TemplateError) on unterminated tags, strings or raw blocks and on
// characters Jinja2 does not accept inside tags.
std::vector<Token> tokenize(std::string_view source);

}  // namespace servir::jinja
