// Jinja2's builtin tests (jinja2/tests.py): `x is defined`, `n is odd`...
#include <unordered_map>

#include "tokenizer/chat_template/error.h"
#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/natives.h"
#include "tokenizer/chat_template/py_string.h"
#include "tokenizer/chat_template/value_ops.h"

namespace servir::jinja {

namespace {

const Value& one_arg(CallArgs& args, std::string_view test) {
  if (args.positional.size() + args.keyword.size() != 1) fail("test '{}' takes exactly one argument", test);
  return args.positional.empty() ? args.keyword[0].second : args.positional[0];
}

void no_args(CallArgs& args, std::string_view test) {
  if (!args.positional.empty() || !args.keyword.empty()) fail("test '{}' takes no arguments", test);
}

// Tests that only look at the value: a predicate wrapped to the test signature.
template <bool (*Pred)(const Value&)>
bool kind_test(Interpreter&, const Value& v, CallArgs& args) {
  no_args(args, "test");
  return Pred(v);
}

bool p_defined(const Value& v) { return !v.is_undefined(); }
bool p_undefined(const Value& v) { return v.is_undefined(); }
bool p_none(const Value& v) { return v.is_none(); }
bool p_string(const Value& v) { return v.is_string(); }
bool p_number(const Value& v) { return v.is_number(); }
bool p_integer(const Value& v) { return v.is_int(); }
bool p_float(const Value& v) { return v.is_float(); }
bool p_mapping(const Value& v) { return v.is_dict(); }
// Undefined iterates as empty and has a length, so Jinja2 calls it both.
bool p_iterable(const Value& v) {
  return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict() || v.is_generator();
}
bool p_sequence(const Value& v) { return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict(); }
bool p_boolean(const Value& v) { return v.is_bool(); }
bool p_true(const Value& v) { return v.is_bool() && v.as_bool(); }
bool p_false(const Value& v) { return v.is_bool() && !v.as_bool(); }
bool p_callable(const Value& v) { return v.is_callable(); }
bool p_escaped(const Value&) { return false; }
bool p_lower(const Value& v) {
  return v.is_string() && py_lower(v.as_string()) == v.as_string() && py_upper(v.as_string()) != v.as_string();
}
bool p_upper(const Value& v) {
  return v.is_string() && py_upper(v.as_string()) == v.as_string() && py_lower(v.as_string()) != v.as_string();
}

std::int64_t mod_of(const Value& v, std::int64_t m) {
  Value r = binary_op("%", v, Value::integer(m), 1);
  return r.is_float() ? static_cast<std::int64_t>(r.as_float()) : r.as_int();
}

bool t_odd(Interpreter&, const Value& v, CallArgs& args) {
  no_args(args, "odd");
  return mod_of(v, 2) == 1;
}

bool t_even(Interpreter&, const Value& v, CallArgs& args) {
  no_args(args, "even");
  return mod_of(v, 2) == 0;
}

bool t_divisibleby(Interpreter&, const Value& v, CallArgs& args) {
  const Value& n = one_arg(args, "divisibleby");
  Value r = binary_op("%", v, n, 1);
  return r.is_float() ? r.as_float() == 0.0 : r.as_int() == 0;
}

bool t_eq(Interpreter&, const Value& v, CallArgs& args) { return py_equal(v, one_arg(args, "eq")); }
bool t_ne(Interpreter&, const Value& v, CallArgs& args) { return !py_equal(v, one_arg(args, "ne")); }
bool t_lt(Interpreter&, const Value& v, CallArgs& args) { return py_less(v, one_arg(args, "lt")); }
bool t_gt(Interpreter&, const Value& v, CallArgs& args) { return py_less(one_arg(args, "gt"), v); }
bool t_le(Interpreter&, const Value& v, CallArgs& args) {
  const Value& o = one_arg(args, "le");
  return py_less(v, o) || py_equal(v, o);
}
bool t_ge(Interpreter&, const Value& v, CallArgs& args) {
  const Value& o = one_arg(args, "ge");
  return py_less(o, v) || py_equal(v, o);
}
bool t_in(Interpreter&, const Value& v, CallArgs& args) { return py_contains(one_arg(args, "in"), v); }

bool t_sameas(Interpreter&, const Value& v, CallArgs& args) {
  const Value& o = one_arg(args, "sameas");
  if (v.kind() != o.kind()) return false;
  if (v.is_none() || v.is_undefined() || v.is_bool() || v.is_int() || v.is_float()) return py_equal(v, o);
  return py_equal(v, o);
}

bool t_filter(Interpreter&, const Value& v, CallArgs& args) {
  no_args(args, "filter");
  return v.is_string() && find_filter(v.as_string()) != nullptr;
}

bool t_test(Interpreter&, const Value& v, CallArgs& args) {
  no_args(args, "test");
  return v.is_string() && find_test(v.as_string()) != nullptr;
}

}  // namespace

TestFn find_test(std::string_view name) {
  static const std::unordered_map<std::string_view, TestFn> kTests = {
      {"defined", kind_test<p_defined>},
      {"undefined", kind_test<p_undefined>},
      {"none", kind_test<p_none>},
      {"string", kind_test<p_string>},
      {"number", kind_test<p_number>},
      {"integer", kind_test<p_integer>},
      {"float", kind_test<p_float>},
      {"mapping", kind_test<p_mapping>},
      {"iterable", kind_test<p_iterable>},
      {"sequence", kind_test<p_sequence>},
      {"boolean", kind_test<p_boolean>},
      {"true", kind_test<p_true>},
      {"false", kind_test<p_false>},
      {"callable", kind_test<p_callable>},
      {"escaped", kind_test<p_escaped>},
      {"lower", kind_test<p_lower>},
      {"upper", kind_test<p_upper>},
      {"odd", t_odd},
      {"even", t_even},
      {"divisibleby", t_divisibleby},
      {"eq", t_eq},
      {"equalto", t_eq},
      {"==", t_eq},
      {"ne", t_ne},
      {"!=", t_ne},
      {"lt", t_lt},
      {"lessthan", t_lt},
      {"<", t_lt},
      {"le", t_le},
      {"<=", t_le},
      {"gt", t_gt},
      {"greaterthan", t_gt},
      {">", t_gt},
      {"ge", t_ge},
      {">=", t_ge},
      {"in", t_in},
      {"sameas", t_sameas},
      {"filter", t_filter},
      {"test", t_test},
  };
  auto it = kTests.find(name);
  return it == kTests.end() ? nullptr : it->second;
}

}  // namespace servir::jinja
