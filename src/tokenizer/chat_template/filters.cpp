// Jinja2's builtin filters (jinja2/filters.py), plus transformers' tojson.
#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "tokenizer/chat_template/error.h"
#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/natives.h"
#include "tokenizer/chat_template/py_string.h"
#include "tokenizer/chat_template/value_ops.h"

namespace servir::jinja {

namespace {

std::string text_of(Interpreter& in, const Value& v) {
  if (v.is_string()) return v.as_string();
  in.check_size(v.size_estimate(), "value");
  return py_str(v);
}

std::vector<Value> items_of(const Value& v) {
  if (v.is_none() || v.is_int() || v.is_float() || v.is_bool() || v.is_namespace() || v.is_callable())
    fail("'{}' object is not iterable", type_name(v));
  return iterate(v);
}

void no_args(CallArgs& args, std::string_view name) { ArgBinder bind(args, name, {}); }

Value f_abs(Interpreter&, const Value& v, CallArgs& args) {
  no_args(args, "abs");
  if (v.is_int() || v.is_bool()) {
    if (v.as_int() == INT64_MIN) fail("integer overflow");
    return Value::integer(std::llabs(v.as_int()));
  }
  if (v.is_float()) return Value::floating(std::fabs(v.as_float()));
  if (v.is_undefined()) fail_undefined(v);
  fail("bad operand type for abs(): '{}'", type_name(v));
}

Value f_attr(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "attr", {"name"});
  if (!bind.has(0)) fail("attr() missing required argument 'name'");
  return in.get_attr(v, str_arg(*bind.get(0), "attr name"));
}

Value f_batch(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "batch", {"linecount", "fill_with"});
  if (!bind.has(0)) fail("batch() missing required argument 'linecount'");
  std::int64_t n = int_arg(*bind.get(0), "linecount");
  if (n <= 0) fail("batch linecount must be positive");
  std::vector<Value> items = items_of(v), out, cur;
  for (auto& item : items) {
    cur.push_back(std::move(item));
    if (static_cast<std::int64_t>(cur.size()) == n) {
      out.push_back(Value::list(std::move(cur)));
      cur.clear();
    }
  }
  if (!cur.empty()) {
    if (bind.has(1)) {
      in.check_size(static_cast<std::size_t>(n), "batch");
      while (static_cast<std::int64_t>(cur.size()) < n) cur.push_back(*bind.get(1));
    }
    out.push_back(Value::list(std::move(cur)));
  }
  return Value::generator(std::move(out));
}

Value f_capitalize(Interpreter& in, const Value& v, CallArgs& args) {
  no_args(args, "capitalize");
  return Value::string(py_capitalize(text_of(in, v)));
}

Value f_center(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "center", {"width"});
  std::int64_t width = bind.has(0) ? int_arg(*bind.get(0), "width") : 80;
  std::string s = text_of(in, v);
  auto len = static_cast<std::int64_t>(codepoint_count(s));
  if (width <= len) return Value::string(s);
  in.check_size(static_cast<std::size_t>(width), "center() result");
  std::int64_t pad = width - len;
  std::int64_t left = pad / 2 + (pad & width & 1);
  return Value::string(std::string(static_cast<std::size_t>(left), ' ') + s +
                       std::string(static_cast<std::size_t>(pad - left), ' '));
}

Value f_length(Interpreter&, const Value& v, CallArgs& args) {
  no_args(args, "length");
  switch (v.kind()) {
    case ValueKind::kUndefined:
      return Value::integer(0);
    case ValueKind::kString:
      return Value::integer(static_cast<std::int64_t>(codepoint_count(v.as_string())));
    case ValueKind::kList:
      return Value::integer(static_cast<std::int64_t>(v.as_list().items.size()));
    case ValueKind::kDict:
      return Value::integer(static_cast<std::int64_t>(v.as_dict().entries.size()));
    case ValueKind::kNamespace:
      return Value::integer(static_cast<std::int64_t>(v.as_namespace().attrs.size()));
    default:
      fail("object of type '{}' has no len()", type_name(v));
  }
}

Value f_default(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "default", {"default_value", "boolean"});
  bool boolean = bool_arg(bind.get(1), false);
  if (v.is_undefined() || (boolean && !v.truthy())) return bind.has(0) ? *bind.get(0) : Value::string("");
  return v;
}

Value f_dictsort(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "dictsort", {"case_sensitive", "by", "reverse"});
  bool case_sensitive = bool_arg(bind.get(0), false);
  std::string by = bind.has(1) ? str_arg(*bind.get(1), "by") : "key";
  bool reverse = bool_arg(bind.get(2), false);
  if (!v.is_dict()) fail("dictsort filter expects a mapping, got '{}'", type_name(v));
  if (by != "key" && by != "value") fail("You can only sort by either \"key\" or \"value\"");
  std::size_t pos = by == "key" ? 0 : 1;
  std::vector<Value> pairs;
  for (const auto& [k, val] : v.as_dict().entries) pairs.push_back(Value::tuple({k, val}));
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& a, const Value& b) {
    Value ka = sort_key(a.as_list().items[pos], case_sensitive), kb = sort_key(b.as_list().items[pos], case_sensitive);
    return reverse ? py_less(kb, ka) : py_less(ka, kb);
  });
  return Value::list(std::move(pairs));
}

Value f_escape(Interpreter& in, const Value& v, CallArgs& args) {
  no_args(args, "escape");
  if (v.is_markup()) return v;
  std::string s = text_of(in, v);
  in.check_size(s.size() * 5, "escape() result");
  return Value::markup(html_escape(s));
}

Value f_first(Interpreter&, const Value& v, CallArgs& args) {
  no_args(args, "first");
  std::vector<Value> items = items_of(v);
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Value f_last(Interpreter&, const Value& v, CallArgs& args) {
  no_args(args, "last");
  if (v.is_generator()) fail("'{}' object is not reversible", type_name(v));
  std::vector<Value> items = items_of(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Value f_float(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "float", {"default"});
  Value fallback = bind.has(0) ? *bind.get(0) : Value::floating(0.0);
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_float()) return v;
  if (v.is_int() || v.is_bool()) return Value::floating(static_cast<double>(v.as_int()));
  if (v.is_string()) {
    if (auto f = parse_py_float(v.as_string())) return Value::floating(*f);
  }
  return fallback;
}

Value f_format(Interpreter& in, const Value& v, CallArgs& args) {
  std::string s = text_of(in, v);
  if (!args.keyword.empty()) {
    if (!args.positional.empty()) fail("can't handle positional and keyword arguments at the same time");
    std::vector<std::pair<Value, Value>> kw;
    for (auto& [k, val] : args.keyword) kw.emplace_back(Value::string(k), val);
    return binary_op("%", Value::string(s), Value::dict(std::move(kw)), in.limits().max_value_size);
  }
  return binary_op("%", Value::string(s), Value::tuple(args.positional), in.limits().max_value_size);
}

Value f_indent(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "indent", {"width", "first", "blank"});
  std::string indention;
  if (bind.has(0) && bind.get(0)->is_string()) {
    indention = bind.get(0)->as_string();
  } else {
    std::int64_t width = bind.has(0) ? int_arg(*bind.get(0), "width") : 4;
    if (width > 0) {
      in.check_size(static_cast<std::size_t>(width), "indent width");
      indention.assign(static_cast<std::size_t>(width), ' ');
    }
  }
  bool first = bool_arg(bind.get(1), false), blank = bool_arg(bind.get(2), false);
  std::string s = text_of(in, v) + "\n";
  std::vector<std::string> lines = py_splitlines(s, false);
  in.check_size(s.size() + lines.size() * indention.size(), "indent() result");
  std::string rv;
  if (blank) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) {
        rv += '\n';
        rv += indention;
      }
      rv += lines[i];
    }
  } else {
    rv = lines.empty() ? "" : lines[0];
    for (std::size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += indention;
      rv += lines[i];
    }
  }
  if (first) rv = indention + rv;
  return Value::string(std::move(rv));
}

Value f_int(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "int", {"default", "base"});
  Value fallback = bind.has(0) ? *bind.get(0) : Value::integer(0);
  int base = bind.has(1) ? static_cast<int>(int_arg(*bind.get(1), "base")) : 10;
  if (v.is_undefined()) fail_undefined(v);
  if (v.is_int() || v.is_bool()) return Value::integer(v.as_int());
  if (v.is_float()) {
    double f = v.as_float();
    if (!std::isfinite(f) || std::fabs(f) >= 9.2e18) return fallback;
    return Value::integer(static_cast<std::int64_t>(f));
  }
  if (v.is_string()) {
    if (auto i = parse_py_int(v.as_string(), base)) return Value::integer(*i);
    if (auto f = parse_py_float(v.as_string())) {
      if (std::isfinite(*f) && std::fabs(*f) < 9.2e18) return Value::integer(static_cast<std::int64_t>(*f));
    }
  }
  return fallback;
}

Value f_items(Interpreter&, const Value& v, CallArgs& args) {
  no_args(args, "items");
  if (v.is_undefined()) return Value::generator({});
  if (!v.is_dict()) fail("Can only get item pairs from a mapping.");
  std::vector<Value> pairs;
  for (const auto& [k, val] : v.as_dict().entries) pairs.push_back(Value::tuple({k, val}));
  return Value::generator(std::move(pairs));
}

Value f_join(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "join", {"d", "attribute"});
  std::string sep = bind.has(0) ? text_of(in, *bind.get(0)) : "";
  std::vector<Value> items = items_of(v);
  std::uint64_t total = 0;
  for (auto& item : items) {
    if (bind.has(1) && !bind.get(1)->is_none()) item = get_path(in, item, py_str(*bind.get(1)));
    total += item.size_estimate() + sep.size();
  }
  in.check_size(total, "join() result");
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    append_py_str(out, items[i]);
  }
  return Value::string(std::move(out));
}

Value f_list(Interpreter&, const Value& v, CallArgs& args) {
  no_args(args, "list");
  if (v.is_list() && !v.as_list().is_tuple && !v.as_list().view) return v;
  return Value::list(items_of(v));
}

Value f_lower(Interpreter& in, const Value& v, CallArgs& args) {
  no_args(args, "lower");
  return Value::string(py_lower(text_of(in, v)));
}

Value f_upper(Interpreter& in, const Value& v, CallArgs& args) {
  no_args(args, "upper");
  return Value::string(py_upper(text_of(in, v)));
}

Value f_map(Interpreter& in, const Value& v, CallArgs& args) {
  // Jinja2's map and select family start with `if value:`, so a falsy
  // input (None, undefined, empty) gives an empty generator.
  std::vector<Value> items = v.truthy() ? items_of(v) : std::vector<Value>(), out;
  const Value* attribute = nullptr;
  const Value* fallback = nullptr;
  for (const auto& [k, val] : args.keyword) {
    if (k == "attribute") attribute = &val;
    if (k == "default") fallback = &val;
  }
  if (attribute) {
    std::string path = py_str(*attribute);
    for (const auto& item : items) {
      Value r = get_path(in, item, path);
      out.push_back(r.is_undefined() && fallback ? *fallback : r);
    }
    return Value::generator(std::move(out));
  }
  if (args.positional.empty()) fail("map requires a filter argument");
  std::string name = str_arg(args.positional[0], "filter name");
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.keyword = args.keyword;
  for (const auto& item : items) {
    CallArgs a = rest;
    out.push_back(in.apply_filter(name, item, a));
  }
  return Value::generator(std::move(out));
}

Value min_max(Interpreter& in, const Value& v, CallArgs& args, bool want_max, std::string_view name) {
  ArgBinder bind(args, name, {"case_sensitive", "attribute"});
  bool case_sensitive = bool_arg(bind.get(0), false);
  std::vector<Value> items = items_of(v);
  if (items.empty()) return Value::undefined(fmt::format("No aggregated item, sequence was empty."));
  auto key = [&](const Value& item) {
    Value k = bind.has(1) && !bind.get(1)->is_none() ? get_path(in, item, py_str(*bind.get(1))) : item;
    return sort_key(k, case_sensitive);
  };
  std::size_t best = 0;
  for (std::size_t i = 1; i < items.size(); ++i) {
    bool better = want_max ? py_less(key(items[best]), key(items[i])) : py_less(key(items[i]), key(items[best]));
    if (better) best = i;
  }
  return items[best];
}

Value f_max(Interpreter& in, const Value& v, CallArgs& args) { return min_max(in, v, args, true, "max"); }
Value f_min(Interpreter& in, const Value& v, CallArgs& args) { return min_max(in, v, args, false, "min"); }

Value f_pprint(Interpreter& in, const Value& v, CallArgs& args) {
  no_args(args, "pprint");
  in.check_size(v.size_estimate(), "pprint() value");
  return Value::string(py_repr(v));
}

Value f_replace(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "replace", {"old", "new", "count"});
  if (!bind.has(0) || !bind.has(1)) fail("replace() needs old and new");
  std::string s = text_of(in, v);
  std::string old = text_of(in, *bind.get(0)), repl = text_of(in, *bind.get(1));
  std::int64_t count = bind.has(2) && !bind.get(2)->is_none() ? int_arg(*bind.get(2), "count") : -1;
  std::uint64_t matches = old.empty() ? codepoint_count(s) + 1 : static_cast<std::uint64_t>(py_count(s, old));
  in.check_size(s.size() + matches * repl.size(), "replace() result");
  return Value::string(py_replace(s, old, repl, count));
}

Value f_reverse(Interpreter&, const Value& v, CallArgs& args) {
  no_args(args, "reverse");
  if (v.is_string()) {
    auto cps = utf8_decode(v.as_string());
    std::reverse(cps.begin(), cps.end());
    return Value::string(utf8_encode(cps, 0, cps.size()));
  }
  std::vector<Value> items = items_of(v);
  std::reverse(items.begin(), items.end());
  if (v.is_generator()) return Value::list(std::move(items));
  return Value::generator(std::move(items), v.is_dict() ? "dict_reversekeyiterator" : "list_reverseiterator");
}

Value f_round(Interpreter&, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "round", {"precision", "method"});
  std::int64_t precision = bind.has(0) ? int_arg(*bind.get(0), "precision") : 0;
  std::string method = bind.has(1) ? str_arg(*bind.get(1), "method") : "common";
  if (method != "common" && method != "ceil" && method != "floor") fail("method must be common, ceil or floor");
  if (v.is_undefined()) fail_undefined(v);
  if (!v.is_number()) fail("type {} doesn't define __round__ method", type_name(v));
  if (method == "common" && !v.is_float() && precision >= 0) return Value::integer(v.as_int());
  double x = v.as_float();
  double scale = std::pow(10.0, static_cast<double>(std::clamp<std::int64_t>(precision, -308, 308)));
  double r;
  if (method == "common") {
    r = std::nearbyint(x * scale) / scale;
    if (!std::isfinite(r)) r = x;
  } else if (method == "ceil") {
    r = std::ceil(x * scale) / scale;
  } else {
    r = std::floor(x * scale) / scale;
  }
  return Value::floating(r);
}

Value f_safe(Interpreter& in, const Value& v, CallArgs& args) {
  no_args(args, "safe");
  return Value::markup(text_of(in, v));
}

// select/reject/selectattr/rejectattr share one body.
Value select_impl(Interpreter& in, const Value& v, CallArgs& args, bool with_attr, bool keep_if) {
  std::vector<Value> items = v.truthy() ? items_of(v) : std::vector<Value>(), out;
  std::size_t next = 0;
  std::string attr;
  if (with_attr) {
    if (args.positional.empty()) fail("selectattr/rejectattr need an attribute");
    attr = str_arg(args.positional[next++], "attribute");
  }
  std::string test;
  if (next < args.positional.size()) test = str_arg(args.positional[next++], "test name");
  CallArgs test_args;
  test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(next), args.positional.end());
  test_args.keyword = args.keyword;
  for (auto& item : items) {
    Value probe = with_attr ? get_path(in, item, attr) : item;
    bool pass;
    if (test.empty()) {
      pass = probe.truthy();
    } else {
      CallArgs a = test_args;
      pass = in.apply_test(test, probe, a);
    }
    if (pass == keep_if) out.push_back(std::move(item));
  }
  return Value::generator(std::move(out));
}

Value f_select(Interpreter& in, const Value& v, CallArgs& args) { return select_impl(in, v, args, false, true); }
Value f_reject(Interpreter& in, const Value& v, CallArgs& args) { return select_impl(in, v, args, false, false); }
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& args) { return select_impl(in, v, args, true, true); }
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& args) { return select_impl(in, v, args, true, false); }

Value f_sort(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "sort", {"reverse", "case_sensitive", "attribute"});
  bool reverse = bool_arg(bind.get(0), false), case_sensitive = bool_arg(bind.get(1), false);
  std::vector<Value> items = items_of(v);
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items) {
    Value k = bind.has(2) && !bind.get(2)->is_none() ? get_path(in, item, py_str(*bind.get(2))) : item;
    keyed.emplace_back(sort_key(k, case_sensitive), std::move(item));
  }
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    return reverse ? py_less(b.first, a.first) : py_less(a.first, b.first);
  });
  std::vector<Value> out;
  for (auto& [k, item] : keyed) out.push_back(std::move(item));
  return Value::list(std::move(out));
}

Value f_string(Interpreter& in, const Value& v, CallArgs& args) {
  no_args(args, "string");
  if (v.is_string()) return v;
  return Value::string(text_of(in, v));
}

Value f_sum(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "sum", {"attribute", "start"});
  Value total = bind.has(1) ? *bind.get(1) : Value::integer(0);
  for (const auto& item : items_of(v)) {
    Value x = bind.has(0) && !bind.get(0)->is_none() ? get_path(in, item, py_str(*bind.get(0))) : item;
    total = binary_op("+", total, x, in.limits().max_value_size);
  }
  return total;
}

// Jinja2's title filter: capitalizes after whitespace, dashes and brackets.
Value f_title(Interpreter& in, const Value& v, CallArgs& args) {
  no_args(args, "title");
  auto cps = utf8_decode(text_of(in, v));
  std::string out;
  bool word_start = true;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) out += py_capitalize(word);
    word.clear();
  };
  for (char32_t cp : cps) {
    bool sep = py_isspace(cp) || cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<';
    if (sep) {
      flush();
      utf8_append(out, cp);
      word_start = true;
    } else {
      utf8_append(word, cp);
      word_start = false;
    }
  }
  (void)word_start;
  flush();
  return Value::string(std::move(out));
}

Value f_tojson(Interpreter& in, const Value& v, CallArgs& args) {
  // transformers: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)
  ArgBinder bind(args, "tojson", {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonOptions o;
  o.ensure_ascii = bool_arg(bind.get(0), false);
  if (bind.has(1) && !bind.get(1)->is_none()) {
    const Value& ind = *bind.get(1);
    if (ind.is_string()) {
      o.indent = ind.as_string();
    } else {
      std::int64_t n = int_arg(ind, "indent");
      in.check_size(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)), "indent");
      o.indent = std::string(static_cast<std::size_t>(std::max<std::int64_t>(n, 0)), ' ');
    }
    o.item_separator = ",";
  }
  if (bind.has(2) && !bind.get(2)->is_none()) {
    std::vector<Value> seps = iterate(*bind.get(2));
    if (seps.size() != 2) fail("separators must be a pair of strings");
    o.item_separator = str_arg(seps[0], "separator");
    o.key_separator = str_arg(seps[1], "separator");
  }
  o.sort_keys = bool_arg(bind.get(3), false);
  std::uint64_t per_level = o.indent ? o.indent->size() * v.depth() + 1 : 0;
  in.check_size(v.size_estimate() * (o.ensure_ascii ? 6 : 1) + per_level * v.size_estimate() / 2, "tojson() value");
  std::string out = to_json(v, o);
  in.check_size(out.size(), "tojson() result");
  return Value::string(std::move(out));
}

Value f_trim(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "trim", {"chars"});
  std::optional<std::string> chars;
  if (bind.has(0) && !bind.get(0)->is_none()) chars = str_arg(*bind.get(0), "chars");
  return Value::string(py_strip(text_of(in, v), chars, true, true));
}

Value f_truncate(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "truncate", {"length", "killwords", "end", "leeway"});
  std::int64_t length = bind.has(0) ? int_arg(*bind.get(0), "length") : 255;
  bool killwords = bool_arg(bind.get(1), false);
  std::string end = bind.has(2) ? str_arg(*bind.get(2), "end") : "...";
  std::int64_t leeway = bind.has(3) && !bind.get(3)->is_none() ? int_arg(*bind.get(3), "leeway") : 5;
  auto cps = utf8_decode(text_of(in, v));
  auto n = static_cast<std::int64_t>(cps.size());
  auto end_len = static_cast<std::int64_t>(codepoint_count(end));
  if (length < end_len) fail("expected length >= {}, got {}", end_len, length);
  if (n <= length + leeway) return Value::string(utf8_encode(cps, 0, cps.size()));
  auto cut = static_cast<std::size_t>(std::max<std::int64_t>(length - end_len, 0));
  if (killwords) return Value::string(utf8_encode(cps, 0, cut) + end);
  std::string head = utf8_encode(cps, 0, cut);
  std::size_t space = head.rfind(' ');
  if (space != std::string::npos) head.resize(space);
  return Value::string(head + end);
}

Value f_unique(Interpreter& in, const Value& v, CallArgs& args) {
  ArgBinder bind(args, "unique", {"case_sensitive", "attribute"});
  bool case_sensitive = bool_arg(bind.get(0), false);
  std::vector<Value> seen, out;
  for (auto& item : items_of(v)) {
    Value k = bind.has(1) && !bind.get(1)->is_none() ? get_path(in, item, py_str(*bind.get(1))) : item;
    k = sort_key(k, case_sensitive);
    bool dup = std::any_of(seen.begin(), seen.end(), [&](const Value& s) { return py_equal(s, k); });
    in.charge(seen.size());
    if (!dup) {
      seen.push_back(std::move(k));
      out.push_back(std::move(item));
    }
  }
  return Value::generator(std::move(out));
}

Value f_wordcount(Interpreter& in, const Value& v, CallArgs& args) {
  no_args(args, "wordcount");
  std::int64_t n = 0;
  bool in_word = false;
  for (char32_t cp : utf8_decode(text_of(in, v))) {
    // Python's \w: letters and digits of any script; symbols, emoji and
    // punctuation blocks are not word characters.
    bool symbol = (cp >= 0x80 && cp < 0xC0 && cp != 0xAA && cp != 0xB5 && cp != 0xBA) || cp == 0xD7 || cp == 0xF7 ||
                  (cp >= 0x2000 && cp < 0x2C00) || (cp >= 0x3000 && cp < 0x3004) || (cp >= 0xFE00 && cp < 0xFE10) ||
                  (cp >= 0x1F000 && cp < 0x20000) || (cp >= 0xFF00 && cp < 0xFF10);
    bool word = (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_' ||
                (cp >= 0x80 && !py_isspace(cp) && !symbol);
    if (word && !in_word) ++n;
    in_word = word;
  }
  return Value::integer(n);
}

Value f_striptags(Interpreter& in, const Value& v, CallArgs& args) {
  no_args(args, "striptags");
  std::string s = text_of(in, v), out;
  bool in_tag = false;
  for (char c : s) {
    if (c == '<') in_tag = true;
    if (!in_tag) out.push_back(c);
    if (c == '>') in_tag = false;
  }
  std::vector<std::string> words = py_split(out, std::nullopt, -1);
  std::string joined;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i) joined += ' ';
    joined += words[i];
  }
  return Value::string(std::move(joined));
}

}  // namespace

FilterFn find_filter(std::string_view name) {
  static const std::unordered_map<std::string_view, FilterFn> kFilters = {
      {"abs", f_abs},
      {"attr", f_attr},
      {"batch", f_batch},
      {"capitalize", f_capitalize},
      {"center", f_center},
      {"count", f_length},
      {"d", f_default},
      {"default", f_default},
      {"dictsort", f_dictsort},
      {"e", f_escape},
      {"escape", f_escape},
      {"first", f_first},
      {"float", f_float},
      {"forceescape", f_escape},
      {"format", f_format},
      {"indent", f_indent},
      {"int", f_int},
      {"items", f_items},
      {"join", f_join},
      {"last", f_last},
      {"length", f_length},
      {"list", f_list},
      {"lower", f_lower},
      {"map", f_map},
      {"max", f_max},
      {"min", f_min},
      {"pprint", f_pprint},
      {"reject", f_reject},
      {"rejectattr", f_rejectattr},
      {"replace", f_replace},
      {"reverse", f_reverse},
      {"round", f_round},
      {"safe", f_safe},
      {"select", f_select},
      {"selectattr", f_selectattr},
      {"sort", f_sort},
      {"string", f_string},
      {"striptags", f_striptags},
      {"sum", f_sum},
      {"title", f_title},
      {"tojson", f_tojson},
      {"trim", f_trim},
      {"truncate", f_truncate},
      {"unique", f_unique},
      {"upper", f_upper},
      {"wordcount", f_wordcount},
  };
  auto it = kFilters.find(name);
  return it == kFilters.end() ? nullptr : it->second;
}

}  // namespace servir::jinja
