// Python semantics of values: equality, ordering, str(), repr(),
// json.dumps() and the arithmetic operators, as Jinja2 applies them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat_template/value.h"

namespace servir::jinja {

// ==, as Python (1 == 1.0 == True; lists element-wise; dicts ignore order).
bool py_equal(const Value& a, const Value& b);
// <, as Python; fails with a TypeError-like message for unorderable types.
bool py_less(const Value& a, const Value& b);

// str(v) as Jinja2 prints it: Undefined is "", None is "None", containers
// use repr() of their items.
std::string py_str(const Value& v);
void append_py_str(std::string& out, const Value& v);
std::string py_repr(const Value& v);

struct JsonOptions {
  std::optional<std::string> indent;  // absent: one line
  std::string item_separator = ", ";
  std::string key_separator = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;
};
// json.dumps(v, ensure_ascii=False, ...). Fails for values JSON cannot hold
// (Undefined, generators, namespaces, callables).
std::string to_json(const Value& v, const JsonOptions& options);

// Binary operators; `op` is the Jinja token: + - * / // % **. A string or
// list result longer than max_result_size bytes/items fails.
Value binary_op(std::string_view op, const Value& a, const Value& b, std::size_t max_result_size);
Value unary_minus(const Value& v);

// `needle in haystack`
bool py_contains(const Value& haystack, const Value& needle);

// Fails with Jinja2's UndefinedError message for `v`.
[[noreturn]] void fail_undefined(const Value& v);

// The items of an iterable: list/tuple items, dict keys, string code points,
// a generator's remaining items (consuming it); Undefined gives none.
std::vector<Value> iterate(const Value& v);

}  // namespace servir::jinja
