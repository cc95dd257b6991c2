// Global functions of the render environment: Jinja2's range, dict,
// namespace, joiner and cycler, and transformers' raise_exception and
// strftime_now.
#include <ctime>

#include "tokenizer/chat_template/error.h"
#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/natives.h"
#include "tokenizer/chat_template/value_ops.h"

namespace servir::jinja {

namespace {

// Jinja2's sandbox refuses ranges longer than this (MAX_RANGE).
constexpr std::int64_t kMaxRange = 100000;

Value b_range(Interpreter& in, CallArgs& args) {
  if (!args.keyword.empty()) fail("range() takes no keyword arguments");
  std::int64_t start = 0, stop = 0, step = 1;
  const auto& p = args.positional;
  if (p.size() == 1) {
    stop = int_arg(p[0], "range() argument");
  } else if (p.size() == 2 || p.size() == 3) {
    start = int_arg(p[0], "range() argument");
    stop = int_arg(p[1], "range() argument");
    if (p.size() == 3) step = int_arg(p[2], "range() argument");
  } else {
    fail("range expected 1 to 3 arguments, got {}", p.size());
  }
  if (step == 0) fail("range() arg 3 must not be zero");
  // Length computed in floating point: start/stop/step may be near INT64 bounds.
  long double span = static_cast<long double>(stop) - static_cast<long double>(start);
  long double n = span / static_cast<long double>(step);
  if (n > kMaxRange) fail("Range too big. The sandbox blocks ranges larger than MAX_RANGE ({}).", kMaxRange);
  std::vector<Value> items;
  std::int64_t i = start;
  while (step > 0 ? i < stop : i > stop) {
    items.push_back(Value::integer(i));
    if (__builtin_add_overflow(i, step, &i)) break;
  }
  in.charge(items.size());
  return Value::list(std::move(items));
}

std::vector<std::pair<Value, Value>> dict_entries(CallArgs& args, std::string_view what) {
  std::vector<std::pair<Value, Value>> entries;
  if (args.positional.size() > 1) fail("{} expected at most 1 positional argument", what);
  if (!args.positional.empty()) {
    const Value& src = args.positional[0];
    if (src.is_dict()) {
      entries = src.as_dict().entries;
    } else {
      for (const auto& pair : iterate(src)) {
        std::vector<Value> kv = iterate(pair);
        if (kv.size() != 2) fail("dictionary update sequence element has length {}; 2 is required", kv.size());
        entries.emplace_back(kv[0], kv[1]);
      }
    }
  }
  for (auto& [k, v] : args.keyword) {
    Value key = Value::string(k);
    bool replaced = false;
    for (auto& e : entries) {
      if (py_equal(e.first, key)) {
        e.second = v;
        replaced = true;
      }
    }
    if (!replaced) entries.emplace_back(std::move(key), v);
  }
  return entries;
}

Value b_dict(Interpreter&, CallArgs& args) { return Value::dict(dict_entries(args, "dict")); }

Value b_namespace(Interpreter& in, CallArgs& args) {
  std::vector<std::pair<std::string, Value>> attrs;
  for (auto& [k, v] : dict_entries(args, "namespace")) {
    if (!k.is_string()) fail("namespace attribute names must be strings");
    attrs.emplace_back(k.as_string(), std::move(v));
  }
  return in.make_namespace(std::move(attrs));
}

Value b_raise_exception(Interpreter&, CallArgs& args) {
  std::string message = args.positional.empty() ? "" : py_str(args.positional[0]);
  throw TemplateError(ErrorCode::kInvalidArgument, message);
}

Value b_strftime_now(Interpreter& in, CallArgs& args) {
  ArgBinder bind(args, "strftime_now", {"format"});
  if (!bind.has(0)) fail("strftime_now() missing required argument 'format'");
  const std::string& format = str_arg(*bind.get(0), "format");
  if (format.empty()) return Value::string("");
  std::tm now = in.now();
  std::vector<char> buffer(format.size() * 16 + 64);
  std::size_t n = std::strftime(buffer.data(), buffer.size(), format.c_str(), &now);
  if (n == 0) fail("strftime_now: format '{}' produced no output or too much", format);
  return Value::string(std::string(buffer.data(), n));
}

Value b_joiner(Interpreter&, CallArgs& args) {
  ArgBinder bind(args, "joiner", {"sep"});
  std::string sep = bind.has(0) ? py_str(*bind.get(0)) : ", ";
  auto used = std::make_shared<bool>(false);
  return Value::callable("joiner", [sep, used](Interpreter&, CallArgs&) {
    if (!*used) {
      *used = true;
      return Value::string("");
    }
    return Value::string(sep);
  });
}

}  // namespace

std::vector<std::pair<std::string, Value>> builtin_globals() {
  return {
      {"range", Value::callable("range", b_range)},
      {"dict", Value::callable("dict", b_dict)},
      {"namespace", Value::callable("namespace", b_namespace)},
      {"raise_exception", Value::callable("raise_exception", b_raise_exception)},
      {"strftime_now", Value::callable("strftime_now", b_strftime_now)},
      {"joiner", Value::callable("joiner", b_joiner)},
  };
}

}  // namespace servir::jinja
