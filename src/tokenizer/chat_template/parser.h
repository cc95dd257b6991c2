// Recursive-descent parser from tokens to the syntax tree, following
// Jinja2's grammar and operator precedence (jinja2/parser.py).
#pragma once

#include <cstdint>
#include <string_view>

#include "tokenizer/chat_template/ast.h"

namespace servir::jinja {

// Fails (TemplateError with the line) on syntax errors, unknown tags, and
// blocks or expressions nested deeper than max_depth.
Body parse_template(std::string_view source, std::uint32_t max_depth);

}  // namespace servir::jinja
