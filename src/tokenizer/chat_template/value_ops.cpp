#include "tokenizer/chat_template/value_ops.h"

#include <algorithm>
#include <cmath>

#include "tokenizer/chat_template/error.h"
#include "tokenizer/chat_template/py_string.h"

namespace servir::jinja {

namespace {

bool is_numeric(const Value& v) { return v.is_bool() || v.is_int() || v.is_float(); }

bool dict_equal(const DictData& a, const DictData& b) {
  if (a.entries.size() != b.entries.size()) return false;
  for (const auto& [k, v] : a.entries) {
    const Value* other = b.find(k);
    if (!other || !py_equal(v, *other)) return false;
  }
  return true;
}

[[noreturn]] void fail_operands(std::string_view op, const Value& a, const Value& b) {
  fail("unsupported operand type(s) for {}: '{}' and '{}'", op, type_name(a), type_name(b));
}

// Python ints are unbounded; ours stop at 64 bits with an error.
std::int64_t checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) fail("integer overflow");
  return r;
}
std::int64_t checked_sub(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) fail("integer overflow");
  return r;
}
std::int64_t checked_mul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) fail("integer overflow");
  return r;
}

std::int64_t int_pow(std::int64_t base, std::int64_t exp) {
  std::int64_t result = 1;
  while (exp > 0) {
    if (exp & 1) result = checked_mul(result, base);
    exp >>= 1;
    if (exp > 0) base = checked_mul(base, base);
  }
  return result;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  if (b == 0) fail("integer division or modulo by zero");
  if (a == INT64_MIN && b == -1) fail("integer overflow");
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::int64_t py_mod(std::int64_t a, std::int64_t b) {
  if (b == 0) fail("integer division or modulo by zero");
  if (b == -1) return 0;
  std::int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

double float_mod(double a, double b) {
  if (b == 0.0) fail("float modulo");
  double r = std::fmod(a, b);
  if (r != 0.0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

Value repeat(const Value& seq, std::int64_t n, std::size_t max_size) {
  if (n <= 0)
    return seq.is_string() ? Value::string("") : (seq.as_list().is_tuple ? Value::tuple({}) : Value::list({}));
  std::size_t unit = seq.is_string() ? seq.as_string().size() : seq.as_list().items.size();
  if (unit != 0 && static_cast<std::uint64_t>(n) > max_size / unit) fail_limit("sequence repetition result too large");
  if (seq.is_string()) {
    std::string out;
    out.reserve(unit * static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) out += seq.as_string();
    return Value::string(std::move(out));
  }
  std::vector<Value> items;
  items.reserve(unit * static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    items.insert(items.end(), seq.as_list().items.begin(), seq.as_list().items.end());
  return seq.as_list().is_tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
}

// One %-conversion of str.__mod__: flags, width, precision, type.
std::string percent_one(const Value& arg, std::string_view flags, int width, int precision, char code) {
  bool left = flags.find('-') != std::string_view::npos;
  bool zero = flags.find('0') != std::string_view::npos && !left;
  bool plus = flags.find('+') != std::string_view::npos;
  bool space = flags.find(' ') != std::string_view::npos;
  std::string body;
  switch (code) {
    case 's':
    case 'r':
    case 'a': {
      body = code == 's' ? py_str(arg) : py_repr(arg);
      if (precision >= 0 && static_cast<std::size_t>(precision) < body.size())
        body.resize(static_cast<std::size_t>(precision));
      zero = false;
      break;
    }
    case 'd':
    case 'i':
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      if (!is_numeric(arg)) fail("%{} format: a real number is required, not {}", code, type_name(arg));
      double f = arg.as_float();
      if (arg.is_float() && (!std::isfinite(f) || std::fabs(f) >= 9.2e18)) fail("cannot convert float to integer");
      std::int64_t v = arg.is_float() ? static_cast<std::int64_t>(f) : arg.as_int();
      std::uint64_t mag = v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
      if (code == 'x') {
        body = fmt::format("{:x}", mag);
      } else if (code == 'X') {
        body = fmt::format("{:X}", mag);
      } else if (code == 'o') {
        body = fmt::format("{:o}", mag);
      } else {
        body = std::to_string(mag);
      }
      std::string sign = v < 0 ? "-" : (plus ? "+" : (space ? " " : ""));
      sign.append(body);
      body = std::move(sign);
      break;
    }
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      if (!is_numeric(arg)) fail("must be real number, not {}", type_name(arg));
      double f = arg.as_float();
      int p = precision < 0 ? 6 : std::min(precision, 100);
      std::string spec = fmt::format("{{:{}{}.{}{}}}", plus ? "+" : (space ? " " : ""), "", p, code);
      body = fmt::format(fmt::runtime(spec), f);
      break;
    }
    default:
      fail("unsupported format character '{}'", code);
  }
  if (width > 0 && body.size() < static_cast<std::size_t>(width)) {
    std::size_t pad = static_cast<std::size_t>(width) - body.size();
    if (left) {
      body.append(pad, ' ');
    } else if (zero) {
      std::size_t sign = (!body.empty() && (body[0] == '-' || body[0] == '+' || body[0] == ' ')) ? 1 : 0;
      body.insert(sign, pad, '0');
    } else {
      body.insert(0, pad, ' ');
    }
  }
  return body;
}

// "%s" % args: printf-style formatting of str.__mod__.
Value percent_format(const std::string& fmt_str, const Value& args, std::size_t max_size) {
  std::vector<Value> list;
  const DictData* mapping = args.is_dict() ? &args.as_dict() : nullptr;
  if (args.is_list() && args.as_list().is_tuple) {
    list = args.as_list().items;
  } else {
    list.push_back(args);
  }
  std::size_t next = 0;
  std::string out;
  for (std::size_t i = 0; i < fmt_str.size(); ++i) {
    char c = fmt_str[i];
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (++i >= fmt_str.size()) fail("incomplete format");
    if (fmt_str[i] == '%') {
      out.push_back('%');
      continue;
    }
    const Value* arg = nullptr;
    if (fmt_str[i] == '(') {
      std::size_t close = fmt_str.find(')', i);
      if (close == std::string::npos) fail("incomplete format key");
      if (!mapping) fail("format requires a mapping");
      arg = mapping->find(std::string_view(fmt_str).substr(i + 1, close - i - 1));
      if (!arg) fail("KeyError: '{}'", fmt_str.substr(i + 1, close - i - 1));
      i = close + 1;
    }
    std::size_t flags_start = i;
    while (i < fmt_str.size() && std::string_view("-+ #0").find(fmt_str[i]) != std::string_view::npos) ++i;
    std::string_view flags = std::string_view(fmt_str).substr(flags_start, i - flags_start);
    int width = 0, precision = -1;
    while (i < fmt_str.size() && fmt_str[i] >= '0' && fmt_str[i] <= '9') {
      width = std::min(width * 10 + (fmt_str[i++] - '0'), 1 << 24);
    }
    if (i < fmt_str.size() && fmt_str[i] == '.') {
      precision = 0;
      ++i;
      while (i < fmt_str.size() && fmt_str[i] >= '0' && fmt_str[i] <= '9') {
        precision = std::min(precision * 10 + (fmt_str[i++] - '0'), 1 << 24);
      }
    }
    if (i >= fmt_str.size()) fail("incomplete format");
    if (static_cast<std::size_t>(width) > max_size) fail_limit("format width too large");
    if (!arg) {
      if (next >= list.size()) fail("not enough arguments for format string");
      arg = &list[next++];
    }
    out += percent_one(*arg, flags, width, precision, fmt_str[i]);
    if (out.size() > max_size) fail_limit("formatted string too large");
  }
  if (!mapping && next < list.size()) fail("not all arguments converted during string formatting");
  return Value::string(std::move(out));
}

void json_ascii_escape(std::string& out, char32_t cp) {
  if (cp >= 0x10000) {
    cp -= 0x10000;
    out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
  } else {
    out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
  }
}

void json_escape_byte(std::string& out, char ch) {
  auto c = static_cast<unsigned char>(ch);
  switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\r':
      out += "\\r";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\b':
      out += "\\b";
      break;
    case '\f':
      out += "\\f";
      break;
    default:
      if (c < 0x20) {
        out += fmt::format("\\u{:04x}", c);
      } else {
        out.push_back(ch);
      }
  }
}

void json_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out.push_back('"');
  if (ensure_ascii && !is_ascii(s)) {
    for (char32_t cp : utf8_decode(s)) {
      if (cp < 0x80) {
        json_escape_byte(out, static_cast<char>(cp));
      } else {
        json_ascii_escape(out, cp);
      }
    }
  } else {
    for (char ch : s) json_escape_byte(out, ch);
  }
  out.push_back('"');
}

std::string json_float(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "Infinity" : "-Infinity";
  return py_repr_float(f);
}

std::string json_key(const Value& k) {
  switch (k.kind()) {
    case ValueKind::kString:
      return k.as_string();
    case ValueKind::kInt:
      return std::to_string(k.as_int());
    case ValueKind::kFloat:
      return json_float(k.as_float());
    case ValueKind::kBool:
      return k.as_bool() ? "true" : "false";
    case ValueKind::kNone:
      return "null";
    default:
      fail("keys must be str, int, float, bool or None, not {}", type_name(k));
  }
}

void json_value(std::string& out, const Value& v, const JsonOptions& o, int level);

void json_newline(std::string& out, const JsonOptions& o, int level) {
  out.push_back('\n');
  for (int i = 0; i < level; ++i) out += *o.indent;
}

void json_value(std::string& out, const Value& v, const JsonOptions& o, int level) {
  switch (v.kind()) {
    case ValueKind::kNone:
      out += "null";
      return;
    case ValueKind::kBool:
      out += v.as_bool() ? "true" : "false";
      return;
    case ValueKind::kInt:
      out += std::to_string(v.as_int());
      return;
    case ValueKind::kFloat:
      out += json_float(v.as_float());
      return;
    case ValueKind::kString:
      json_string(out, v.as_string(), o.ensure_ascii);
      return;
    case ValueKind::kList: {
      if (v.as_list().view) fail("Object of type {} is not JSON serializable", v.as_list().view);
      const auto& items = v.as_list().items;
      if (items.empty()) {
        out += "[]";
        return;
      }
      out.push_back('[');
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += o.item_separator;
        if (o.indent) json_newline(out, o, level + 1);
        json_value(out, items[i], o, level + 1);
      }
      if (o.indent) json_newline(out, o, level);
      out.push_back(']');
      return;
    }
    case ValueKind::kDict: {
      const auto& entries = v.as_dict().entries;
      if (entries.empty()) {
        out += "{}";
        return;
      }
      std::vector<const std::pair<Value, Value>*> order;
      for (const auto& e : entries) order.push_back(&e);
      if (o.sort_keys) {
        std::stable_sort(order.begin(), order.end(), [](auto* x, auto* y) { return py_less(x->first, y->first); });
      }
      out.push_back('{');
      bool first = true;
      for (const auto* e : order) {
        if (!first) out += o.item_separator;
        first = false;
        if (o.indent) json_newline(out, o, level + 1);
        json_string(out, json_key(e->first), o.ensure_ascii);
        out += o.key_separator;
        json_value(out, e->second, o, level + 1);
      }
      if (o.indent) json_newline(out, o, level);
      out.push_back('}');
      return;
    }
    default:
      fail("Object of type {} is not JSON serializable", type_name(v));
  }
}

}  // namespace

void fail_undefined(const Value& v) {
  const std::string& hint = v.undefined_hint();
  fail("{}", hint.empty() ? std::string("value is undefined") : hint);
}

bool py_equal(const Value& a, const Value& b) {
  if (is_numeric(a) && is_numeric(b)) {
    if (a.is_float() || b.is_float()) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::kUndefined:
    case ValueKind::kNone:
      return true;
    case ValueKind::kString:
      return a.as_string() == b.as_string();
    case ValueKind::kList: {
      const auto& x = a.as_list();
      const auto& y = b.as_list();
      if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
      for (std::size_t i = 0; i < x.items.size(); ++i) {
        if (!py_equal(x.items[i], y.items[i])) return false;
      }
      return true;
    }
    case ValueKind::kDict:
      return dict_equal(a.as_dict(), b.as_dict());
    case ValueKind::kNamespace:
      return &a.as_namespace() == &b.as_namespace();
    case ValueKind::kCallable:
      return &a.as_callable() == &b.as_callable();
    case ValueKind::kGenerator:
      return &a.as_generator() == &b.as_generator();
    default:
      return false;
  }
}

bool py_less(const Value& a, const Value& b) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  if (is_numeric(a) && is_numeric(b)) {
    if (a.is_float() || b.is_float()) return a.as_float() < b.as_float();
    return a.as_int() < b.as_int();
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.is_list() && b.is_list() && a.as_list().is_tuple == b.as_list().is_tuple) {
    const auto& x = a.as_list().items;
    const auto& y = b.as_list().items;
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!py_equal(x[i], y[i])) return py_less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  fail("'<' not supported between instances of '{}' and '{}'", type_name(a), type_name(b));
}

void append_py_str(std::string& out, const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
      return;
    case ValueKind::kString:
      out += v.as_string();
      return;
    default:
      out += py_repr(v);
  }
}

std::string py_str(const Value& v) {
  if (v.is_string()) return v.as_string();
  std::string out;
  append_py_str(out, v);
  return out;
}

std::string py_repr(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
      return "";
    case ValueKind::kNone:
      return "None";
    case ValueKind::kBool:
      return v.as_bool() ? "True" : "False";
    case ValueKind::kInt:
      return std::to_string(v.as_int());
    case ValueKind::kFloat:
      return py_repr_float(v.as_float());
    case ValueKind::kString:
      return py_repr_string(v.as_string());
    case ValueKind::kList: {
      const auto& l = v.as_list();
      std::string out = l.view ? fmt::format("{}([", l.view) : std::string(1, l.is_tuple ? '(' : '[');
      for (std::size_t i = 0; i < l.items.size(); ++i) {
        if (i > 0) out += ", ";
        out += py_repr(l.items[i]);
      }
      if (l.is_tuple && l.items.size() == 1) out += ",";
      out += l.view ? "])" : (l.is_tuple ? ")" : "]");
      return out;
    }
    case ValueKind::kDict: {
      std::string out = "{";
      bool first = true;
      for (const auto& [k, val] : v.as_dict().entries) {
        if (!first) out += ", ";
        first = false;
        out += py_repr(k) + ": " + py_repr(val);
      }
      return out + "}";
    }
    case ValueKind::kNamespace:
      return "<Namespace>";
    case ValueKind::kCallable:
      return fmt::format("<function {}>", v.as_callable().name);
    case ValueKind::kGenerator:
      return fmt::format("<{} object>", v.as_generator().type_name);
  }
  return "";
}

std::string to_json(const Value& v, const JsonOptions& options) {
  std::string out;
  json_value(out, v, options, 0);
  return out;
}

Value binary_op(std::string_view op, const Value& a, const Value& b, std::size_t max_result_size) {
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  bool nums = is_numeric(a) && is_numeric(b);
  bool ints = nums && !a.is_float() && !b.is_float();
  std::int64_t x = a.as_int(), y = b.as_int();
  if (op == "+") {
    if (ints) return Value::integer(checked_add(x, y));
    if (nums) return Value::floating(a.as_float() + b.as_float());
    if (a.is_string() && b.is_string()) {
      if (a.as_string().size() + b.as_string().size() > max_result_size) fail_limit("string result too large");
      if (a.is_markup() || b.is_markup()) {
        return Value::markup((a.is_markup() ? a.as_string() : html_escape(a.as_string())) +
                             (b.is_markup() ? b.as_string() : html_escape(b.as_string())));
      }
      return Value::string(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list() && a.as_list().is_tuple == b.as_list().is_tuple) {
      if (a.as_list().items.size() + b.as_list().items.size() > max_result_size) fail_limit("list result too large");
      std::vector<Value> items = a.as_list().items;
      items.insert(items.end(), b.as_list().items.begin(), b.as_list().items.end());
      return a.as_list().is_tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
    }
    if (a.is_string()) fail("can only concatenate str (not \"{}\") to str", type_name(b));
    fail_operands(op, a, b);
  }
  if (op == "-") {
    if (ints) return Value::integer(checked_sub(x, y));
    if (nums) return Value::floating(a.as_float() - b.as_float());
    fail_operands(op, a, b);
  }
  if (op == "*") {
    if (ints) return Value::integer(checked_mul(x, y));
    if (nums) return Value::floating(a.as_float() * b.as_float());
    if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())) return repeat(a, y, max_result_size);
    if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool())) return repeat(b, x, max_result_size);
    fail_operands(op, a, b);
  }
  if (op == "/") {
    if (!nums) fail_operands(op, a, b);
    if (b.as_float() == 0.0) fail("division by zero");
    return Value::floating(a.as_float() / b.as_float());
  }
  if (op == "//") {
    if (ints) return Value::integer(floor_div(x, y));
    if (!nums) fail_operands(op, a, b);
    if (b.as_float() == 0.0) fail("float floor division by zero");
    return Value::floating(std::floor(a.as_float() / b.as_float()));
  }
  if (op == "%") {
    if (a.is_string()) return percent_format(a.as_string(), b, max_result_size);
    if (ints) return Value::integer(py_mod(x, y));
    if (!nums) fail_operands(op, a, b);
    return Value::floating(float_mod(a.as_float(), b.as_float()));
  }
  if (op == "**") {
    if (ints && y >= 0) return Value::integer(int_pow(x, y));
    if (!nums) fail_operands(op, a, b);
    if (a.as_float() == 0.0 && b.as_float() < 0) fail("0.0 cannot be raised to a negative power");
    return Value::floating(std::pow(a.as_float(), b.as_float()));
  }
  fail("unknown operator {}", op);
}

Value unary_minus(const Value& v) {
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_int() || v.is_bool()) {
    if (v.as_int() == INT64_MIN) fail("integer overflow");
    return Value::integer(-v.as_int());
  }
  if (v.is_float()) return Value::floating(-v.as_float());
  fail("bad operand type for unary -: '{}'", type_name(v));
}

bool py_contains(const Value& haystack, const Value& needle) {
  switch (haystack.kind()) {
    case ValueKind::kUndefined:
      return false;
    case ValueKind::kString:
      if (!needle.is_string()) fail("'in <string>' requires string as left operand, not {}", type_name(needle));
      return haystack.as_string().find(needle.as_string()) != std::string::npos;
    case ValueKind::kList:
      for (const auto& item : haystack.as_list().items) {
        if (py_equal(item, needle)) return true;
      }
      return false;
    case ValueKind::kDict:
      return haystack.as_dict().find(needle) != nullptr;
    case ValueKind::kGenerator:
      for (const auto& item : iterate(haystack)) {
        if (py_equal(item, needle)) return true;
      }
      return false;
    default:
      fail("argument of type '{}' is not iterable", type_name(haystack));
  }
}

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
      return {};
    case ValueKind::kList:
      return v.as_list().items;
    case ValueKind::kDict: {
      std::vector<Value> keys;
      keys.reserve(v.as_dict().entries.size());
      for (const auto& [k, val] : v.as_dict().entries) keys.push_back(k);
      return keys;
    }
    case ValueKind::kString: {
      std::vector<Value> chars;
      for (char32_t cp : utf8_decode(v.as_string())) {
        std::string s;
        utf8_append(s, cp);
        chars.push_back(Value::string(std::move(s)));
      }
      return chars;
    }
    case ValueKind::kGenerator: {
      auto& g = v.as_generator();
      if (g.consumed) return {};
      g.consumed = true;
      return std::move(g.items);
    }
    default:
      fail("'{}' object is not iterable", type_name(v));
  }
}

}  // namespace servir::jinja
