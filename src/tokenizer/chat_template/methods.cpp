// Python methods of str, dict and list that templates call
// (`message.content.strip()`, `tool.get('x')`). Mutating methods exist but
// fail with the SecurityError of Jinja2's ImmutableSandboxedEnvironment.
#include <algorithm>
#include <array>

#include "tokenizer/chat_template/error.h"
#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/natives.h"
#include "tokenizer/chat_template/py_string.h"
#include "tokenizer/chat_template/value_ops.h"

namespace servir::jinja {

namespace {

constexpr std::array<std::string_view, 31> kStrMethods = {
    "strip",   "lstrip",  "rstrip", "split",        "rsplit",       "splitlines", "startswith", "endswith",
    "upper",   "lower",   "title",  "capitalize",   "replace",      "find",       "rfind",      "index",
    "rindex",  "count",   "format", "join",         "isdigit",      "isalpha",    "isalnum",    "isspace",
    "islower", "isupper", "zfill",  "removeprefix", "removesuffix", "partition",  "rpartition"};
constexpr std::array<std::string_view, 6> kStrPadMethods = {"center",   "ljust",     "rjust",
                                                            "casefold", "isnumeric", "isdecimal"};
constexpr std::array<std::string_view, 5> kDictMethods = {"get", "items", "keys", "values", "copy"};
constexpr std::array<std::string_view, 6> kDictUnsafe = {"pop", "popitem", "setdefault", "update", "clear", "fromkeys"};
constexpr std::array<std::string_view, 3> kListMethods = {"index", "count", "copy"};
constexpr std::array<std::string_view, 8> kListUnsafe = {"append", "extend",  "insert", "pop",
                                                         "remove", "reverse", "sort",   "clear"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::optional<std::string> opt_str(const Value* v, std::string_view what) {
  if (!v || v->is_none()) return std::nullopt;
  return str_arg(*v, what);
}

// Byte offset -> code point index, for find()/index() results.
std::int64_t cp_index(const std::string& s, std::size_t byte_pos) {
  return static_cast<std::int64_t>(codepoint_count(std::string_view(s).substr(0, byte_pos)));
}

bool all_cps(const std::string& s, bool (*pred)(char32_t)) {
  if (s.empty()) return false;
  for (char32_t cp : utf8_decode(s)) {
    if (!pred(cp)) return false;
  }
  return true;
}

bool is_digit_cp(char32_t c) { return c >= '0' && c <= '9'; }
bool is_alpha_cp(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= 0xC0 && c != 0xD7 && c != 0xF7 && !py_isspace(c));
}
bool is_alnum_cp(char32_t c) { return is_digit_cp(c) || is_alpha_cp(c); }

Value pad(Interpreter& in, const std::string& s, CallArgs& args, std::string_view how) {
  ArgBinder bind(args, how, {"width", "fillchar"});
  if (!bind.has(0)) fail("{}() missing required argument 'width'", how);
  std::int64_t width = int_arg(*bind.get(0), "width");
  std::string fill = bind.has(1) ? str_arg(*bind.get(1), "fillchar") : " ";
  if (codepoint_count(fill) != 1) fail("The fill character must be exactly one character long");
  auto len = static_cast<std::int64_t>(codepoint_count(s));
  if (width <= len) return Value::string(s);
  in.check_size(static_cast<std::size_t>(width) * fill.size(), "padded string");
  std::int64_t total = width - len, left = 0;
  if (how == "rjust" || how == "zfill") left = total;
  if (how == "center") left = total / 2 + (total & width & 1);
  std::string out;
  for (std::int64_t i = 0; i < left; ++i) out += fill;
  out += s;
  for (std::int64_t i = left; i < total; ++i) out += fill;
  return Value::string(std::move(out));
}

// str.format with positional and named fields; format specs are refused.
Value str_format(Interpreter& in, const std::string& s, CallArgs& args) {
  std::string out;
  std::size_t auto_index = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '}') {
      if (i + 1 < s.size() && s[i + 1] == '}') ++i;
      out.push_back('}');
      continue;
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < s.size() && s[i + 1] == '{') {
      out.push_back('{');
      ++i;
      continue;
    }
    std::size_t close = s.find('}', i);
    if (close == std::string::npos) fail("Single '{{' encountered in format string");
    std::string field = s.substr(i + 1, close - i - 1);
    i = close;
    bool repr = false;
    if (field.size() >= 2 && field[field.size() - 2] == '!') {
      repr = field.back() == 'r';
      field.resize(field.size() - 2);
    }
    if (field.find(':') != std::string::npos) fail("format specifications are not supported in str.format");
    const Value* arg = nullptr;
    if (field.empty()) {
      if (auto_index >= args.positional.size()) fail("Replacement index {} out of range", auto_index);
      arg = &args.positional[auto_index++];
    } else if (auto idx = parse_py_int(field, 10)) {
      if (*idx < 0 || static_cast<std::size_t>(*idx) >= args.positional.size())
        fail("Replacement index {} out of range", *idx);
      arg = &args.positional[static_cast<std::size_t>(*idx)];
    } else {
      for (const auto& [k, v] : args.keyword) {
        if (k == field) arg = &v;
      }
      if (!arg) fail("KeyError: '{}'", field);
    }
    in.check_size(out.size() + arg->size_estimate(), "formatted string");
    if (repr) {
      out += py_repr(*arg);
    } else {
      append_py_str(out, *arg);
    }
  }
  return Value::string(std::move(out));
}

Value str_method(Interpreter& in, const std::string& s, std::string_view name, CallArgs& args) {
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    ArgBinder bind(args, name, {"chars"});
    return Value::string(py_strip(s, opt_str(bind.get(0), "chars"), name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    ArgBinder bind(args, name, {"sep", "maxsplit"});
    auto sep = opt_str(bind.get(0), "sep");
    if (sep && sep->empty()) fail("empty separator");
    std::int64_t maxsplit = bind.has(1) ? int_arg(*bind.get(1), "maxsplit") : -1;
    auto parts = name == "split" ? py_split(s, sep, maxsplit) : py_rsplit(s, sep, maxsplit);
    std::vector<Value> items;
    for (auto& p : parts) items.push_back(Value::string(std::move(p)));
    return Value::list(std::move(items));
  }
  if (name == "splitlines") {
    ArgBinder bind(args, name, {"keepends"});
    std::vector<Value> items;
    for (auto& p : py_splitlines(s, bool_arg(bind.get(0), false))) items.push_back(Value::string(std::move(p)));
    return Value::list(std::move(items));
  }
  if (name == "startswith" || name == "endswith") {
    ArgBinder bind(args, name, {"prefix", "start", "end"});
    if (!bind.has(0)) fail("{}() takes at least 1 argument", name);
    std::vector<Value> options;
    if (bind.get(0)->is_list() && bind.get(0)->as_list().is_tuple) {
      options = bind.get(0)->as_list().items;
    } else {
      options.push_back(*bind.get(0));
    }
    std::string_view view = s;
    if (bind.has(1) || bind.has(2)) {
      auto cps = utf8_decode(s);
      auto n = static_cast<std::int64_t>(cps.size());
      auto norm = [n](std::int64_t x) { return std::clamp<std::int64_t>(x < 0 ? x + n : x, 0, n); };
      std::int64_t b = bind.has(1) && !bind.get(1)->is_none() ? norm(int_arg(*bind.get(1), "start")) : 0;
      std::int64_t e = bind.has(2) && !bind.get(2)->is_none() ? norm(int_arg(*bind.get(2), "end")) : n;
      std::string sub = b < e ? utf8_encode(cps, static_cast<std::size_t>(b), static_cast<std::size_t>(e)) : "";
      CallArgs plain;
      plain.positional.push_back(*bind.get(0));
      return str_method(in, sub, name, plain);
    }
    for (const auto& o : options) {
      const std::string& p = str_arg(o, name);
      bool hit = name == "startswith" ? view.substr(0, p.size()) == p
                                      : (view.size() >= p.size() && view.substr(view.size() - p.size()) == p);
      if (hit) return Value::boolean(true);
    }
    return Value::boolean(false);
  }
  if (name == "upper" || name == "lower" || name == "casefold" || name == "title" || name == "capitalize") {
    ArgBinder bind(args, name, {});
    if (name == "upper") return Value::string(py_upper(s));
    if (name == "title") return Value::string(py_title(s));
    if (name == "capitalize") return Value::string(py_capitalize(s));
    return Value::string(py_lower(s));
  }
  if (name == "replace") {
    ArgBinder bind(args, name, {"old", "new", "count"});
    if (!bind.has(0) || !bind.has(1)) fail("replace() takes at least 2 arguments");
    const std::string& old = str_arg(*bind.get(0), "old");
    const std::string& repl = str_arg(*bind.get(1), "new");
    std::int64_t count = bind.has(2) ? int_arg(*bind.get(2), "count") : -1;
    std::uint64_t matches = old.empty() ? codepoint_count(s) + 1 : static_cast<std::uint64_t>(py_count(s, old));
    in.check_size(s.size() + matches * repl.size(), "replace() result");
    return Value::string(py_replace(s, old, repl, count));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex") {
    ArgBinder bind(args, name, {"sub"});
    if (!bind.has(0)) fail("{}() takes at least 1 argument", name);
    const std::string& sub = str_arg(*bind.get(0), "sub");
    std::size_t pos = (name == "find" || name == "index") ? s.find(sub) : s.rfind(sub);
    if (pos == std::string::npos) {
      if (name == "index" || name == "rindex") fail("substring not found");
      return Value::integer(-1);
    }
    return Value::integer(cp_index(s, pos));
  }
  if (name == "count") {
    ArgBinder bind(args, name, {"sub"});
    if (!bind.has(0)) fail("count() takes at least 1 argument");
    return Value::integer(py_count(s, str_arg(*bind.get(0), "sub")));
  }
  if (name == "format") return str_format(in, s, args);
  if (name == "join") {
    ArgBinder bind(args, name, {"iterable"});
    if (!bind.has(0)) fail("join() takes exactly one argument");
    std::vector<Value> items = iterate(*bind.get(0));
    std::uint64_t total = 0;
    for (const auto& item : items) total += str_arg(item, "sequence item").size() + s.size();
    in.check_size(total, "join() result");
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += s;
      out += items[i].as_string();
    }
    return Value::string(std::move(out));
  }
  if (name == "isdigit" || name == "isnumeric" || name == "isdecimal") {
    ArgBinder bind(args, name, {});
    return Value::boolean(all_cps(s, is_digit_cp));
  }
  if (name == "isalpha") {
    ArgBinder bind(args, name, {});
    return Value::boolean(all_cps(s, is_alpha_cp));
  }
  if (name == "isalnum") {
    ArgBinder bind(args, name, {});
    return Value::boolean(all_cps(s, is_alnum_cp));
  }
  if (name == "isspace") {
    ArgBinder bind(args, name, {});
    return Value::boolean(all_cps(s, py_isspace));
  }
  if (name == "islower" || name == "isupper") {
    ArgBinder bind(args, name, {});
    bool lower = py_lower(s) == s, upper = py_upper(s) == s;
    return Value::boolean(name == "islower" ? (lower && !upper) : (upper && !lower));
  }
  if (name == "zfill") {
    ArgBinder bind(args, name, {"width"});
    if (!bind.has(0)) fail("zfill() takes exactly one argument");
    std::int64_t width = int_arg(*bind.get(0), "width");
    auto len = static_cast<std::int64_t>(codepoint_count(s));
    if (width <= len) return Value::string(s);
    in.check_size(static_cast<std::size_t>(width), "zfill() result");
    std::string zeros(static_cast<std::size_t>(width - len), '0');
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) return Value::string(s.substr(0, 1) + zeros + s.substr(1));
    return Value::string(zeros + s);
  }
  if (name == "center" || name == "ljust" || name == "rjust") return pad(in, s, args, name);
  if (name == "removeprefix" || name == "removesuffix") {
    ArgBinder bind(args, name, {"affix"});
    if (!bind.has(0)) fail("{}() takes exactly one argument", name);
    const std::string& a = str_arg(*bind.get(0), "affix");
    if (name == "removeprefix" && s.compare(0, a.size(), a) == 0) return Value::string(s.substr(a.size()));
    if (name == "removesuffix" && !a.empty() && s.size() >= a.size() &&
        s.compare(s.size() - a.size(), a.size(), a) == 0)
      return Value::string(s.substr(0, s.size() - a.size()));
    return Value::string(s);
  }
  if (name == "partition" || name == "rpartition") {
    ArgBinder bind(args, name, {"sep"});
    if (!bind.has(0)) fail("{}() takes exactly one argument", name);
    const std::string& sep = str_arg(*bind.get(0), "sep");
    if (sep.empty()) fail("empty separator");
    std::size_t pos = name == "partition" ? s.find(sep) : s.rfind(sep);
    if (pos == std::string::npos) {
      if (name == "partition") return Value::tuple({Value::string(s), Value::string(""), Value::string("")});
      return Value::tuple({Value::string(""), Value::string(""), Value::string(s)});
    }
    return Value::tuple(
        {Value::string(s.substr(0, pos)), Value::string(sep), Value::string(s.substr(pos + sep.size()))});
  }
  fail("'str' object has no attribute '{}'", name);
}

Value dict_method(const Value& d, std::string_view name, CallArgs& args) {
  ArgBinder bind(args, name,
                 name == "get" ? std::vector<std::string_view>{"key", "default"} : std::vector<std::string_view>{});
  if (name == "get") {
    if (!bind.has(0)) fail("get expected at least 1 argument, got 0");
    if (const Value* v = d.as_dict().find(*bind.get(0))) return *v;
    return bind.has(1) ? *bind.get(1) : Value::none();
  }
  if (name == "copy") return d;
  std::vector<Value> out;
  for (const auto& [k, v] : d.as_dict().entries) {
    if (name == "items") {
      out.push_back(Value::tuple({k, v}));
    } else {
      out.push_back(name == "keys" ? k : v);
    }
  }
  return Value::dict_view(name == "items" ? "dict_items" : (name == "keys" ? "dict_keys" : "dict_values"),
                          std::move(out));
}

Value list_method(const Value& l, std::string_view name, CallArgs& args) {
  if (name == "copy") {
    ArgBinder bind(args, name, {});
    return l;
  }
  ArgBinder bind(args, name, {"value"});
  if (!bind.has(0)) fail("{}() takes exactly one argument (0 given)", name);
  const auto& items = l.as_list().items;
  if (name == "count") {
    return Value::integer(
        std::count_if(items.begin(), items.end(), [&](const Value& x) { return py_equal(x, *bind.get(0)); }));
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (py_equal(items[i], *bind.get(0))) return Value::integer(static_cast<std::int64_t>(i));
  }
  fail("{} is not in list", py_repr(*bind.get(0)));
}

Value unsafe_method(const Value& object, std::string_view name) {
  std::string message = fmt::format("access to attribute '{}' of '{}' object is unsafe.", name, type_name(object));
  return Value::callable(std::string(name), [message](Interpreter&, CallArgs&) -> Value {
    throw TemplateError(ErrorCode::kInvalidArgument, fmt::format("SecurityError: {}", message));
  });
}

}  // namespace

Value find_method(const Value& object, std::string_view name) {
  std::string method(name);
  if (object.is_string()) {
    if (!contains(kStrMethods, name) && !contains(kStrPadMethods, name)) return Value();
    return Value::callable(method, [object, method](Interpreter& in, CallArgs& args) {
      return str_method(in, object.as_string(), method, args);
    });
  }
  if (object.is_dict()) {
    if (contains(kDictUnsafe, name)) return unsafe_method(object, name);
    if (!contains(kDictMethods, name)) return Value();
    return Value::callable(
        method, [object, method](Interpreter&, CallArgs& args) { return dict_method(object, method, args); });
  }
  if (object.is_list()) {
    if (contains(kListUnsafe, name)) return unsafe_method(object, name);
    if (!contains(kListMethods, name)) return Value();
    return Value::callable(
        method, [object, method](Interpreter&, CallArgs& args) { return list_method(object, method, args); });
  }
  return Value();
}

}  // namespace servir::jinja
