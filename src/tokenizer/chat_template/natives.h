// Argument conversions shared by the native filters, tests, methods and
// builtins: Python's coercions with Jinja2's error messages.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/value.h"

namespace servir::jinja {

// An int (or bool) argument; fails for other types.
std::int64_t int_arg(const Value& v, std::string_view what);
// A str argument; fails for other types.
const std::string& str_arg(const Value& v, std::string_view what);
// A bound argument's truthiness, or `fallback` when absent.
bool bool_arg(const Value* v, bool fallback);

// Jinja2's make_attrgetter: "a.b.0" walks getitem/getattr per part.
Value get_path(Interpreter& in, const Value& object, std::string_view path);

// Python's int(str) and float(str); nullopt when the text does not parse.
std::optional<std::int64_t> parse_py_int(std::string_view s, int base);
std::optional<double> parse_py_float(std::string_view s);

// Lowercases strings when sorting case-insensitively, like Jinja2's ignore_case.
Value sort_key(const Value& v, bool case_sensitive);

}  // namespace servir::jinja
