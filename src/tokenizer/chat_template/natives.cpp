#include "tokenizer/chat_template/natives.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "tokenizer/chat_template/error.h"
#include "tokenizer/chat_template/py_string.h"
#include "tokenizer/chat_template/value_ops.h"

namespace servir::jinja {

std::int64_t int_arg(const Value& v, std::string_view what) {
  if (v.is_int() || v.is_bool()) return v.as_int();
  if (v.is_undefined()) fail_undefined(v);
  fail("{} must be an integer, not '{}'", what, type_name(v));
}

const std::string& str_arg(const Value& v, std::string_view what) {
  if (v.is_string()) return v.as_string();
  if (v.is_undefined()) fail_undefined(v);
  fail("{} must be a string, not '{}'", what, type_name(v));
}

bool bool_arg(const Value* v, bool fallback) { return v ? v->truthy() : fallback; }

Value get_path(Interpreter& in, const Value& object, std::string_view path) {
  Value cur = object;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = path.find('.', start);
    std::string_view part = path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    bool digits = !part.empty();
    for (char c : part) digits = digits && c >= '0' && c <= '9';
    if (digits && part.size() < 18) {
      cur = in.get_item(cur, Value::integer(std::stoll(std::string(part))));
    } else {
      cur = in.get_item(cur, Value::string(std::string(part)));
    }
    if (dot == std::string_view::npos) return cur;
    start = dot + 1;
  }
}

std::optional<std::int64_t> parse_py_int(std::string_view text, int base) {
  std::string s = py_strip(text, std::nullopt, true, true);
  std::string digits;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_' && i > 0 && i + 1 < s.size() && s[i - 1] != '_' && s[i + 1] != '_') continue;
    digits.push_back(s[i]);
  }
  if (digits.empty() || base < 2 || base > 36) return std::nullopt;
  std::size_t i = (digits[0] == '+' || digits[0] == '-') ? 1 : 0;
  if (i >= digits.size()) return std::nullopt;
  for (std::size_t k = i; k < digits.size(); ++k) {
    char c = digits[k];
    int d = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'z') ? c - 'a' + 10
            : (c >= 'A' && c <= 'Z') ? c - 'A' + 10
                                     : 99;
    if (d >= base) return std::nullopt;
  }
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(digits.c_str(), &end, base);
  if (errno == ERANGE || *end != '\0') return std::nullopt;
  return v;
}

std::optional<double> parse_py_float(std::string_view text) {
  std::string s = py_strip(text, std::nullopt, true, true);
  std::string clean;
  for (char c : s) {
    if (c != '_') clean.push_back(c);
  }
  if (clean.empty()) return std::nullopt;
  std::string lower = py_lower(clean);
  std::string_view body = lower;
  double sign = 1.0;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    sign = body[0] == '-' ? -1.0 : 1.0;
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") return sign * HUGE_VAL;
  if (body == "nan") return std::nan("");
  for (char c : body) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == '+' || c == '-')) return std::nullopt;
  }
  char* end = nullptr;
  double v = std::strtod(clean.c_str(), &end);
  if (end == clean.c_str() || *end != '\0') return std::nullopt;
  return v;
}

Value sort_key(const Value& v, bool case_sensitive) {
  if (!case_sensitive && v.is_string()) return Value::string(py_lower(v.as_string()));
  return v;
}

}  // namespace servir::jinja
