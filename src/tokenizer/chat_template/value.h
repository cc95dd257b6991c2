// The dynamic value of the chat-template interpreter: a Python object as
// Jinja2 sees it (None, bool, int, float, str, list/tuple, dict, namespace,
// callable, generator) plus Jinja2's Undefined.
//
// Lists, tuples and dicts are immutable once built (the reference runs in
// Jinja2's ImmutableSandboxedEnvironment), so they are shared, never copied.
// Only namespaces are mutable (`{% set ns.x = ... %}`). Every list and dict
// records its nesting depth when built, so recursive walks (repr, tojson,
// equality) are bounded by construction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace servir::jinja {

class Interpreter;
class Value;

enum class ValueKind : std::uint8_t {
  kUndefined,
  kNone,
  kBool,
  kInt,
  kFloat,
  kString,
  kList,  // list or tuple
  kDict,
  kNamespace,
  kCallable,
  kGenerator,  // a one-shot iterator: results of map/select/reverse/items...
};

struct ListData {
  std::vector<Value> items;
  bool is_tuple = false;
  std::uint32_t depth = 1;
  std::uint64_t size_estimate = 0;
  // "dict_items", "dict_keys" or "dict_values" for the results of those
  // dict methods: they print and serialize like Python's views.
  const char* view = nullptr;
};

// Insertion-ordered like a Python dict. Lookups are linear: template dicts
// are small, and lists of messages are lists, not dicts.
struct DictData {
  std::vector<std::pair<Value, Value>> entries;
  std::uint32_t depth = 1;
  std::uint64_t size_estimate = 0;
  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
};

struct NamespaceData {
  std::vector<std::pair<std::string, Value>> attrs;
  Value* find(std::string_view name);
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

struct CallableData {
  std::string name;
  std::function<Value(Interpreter&, CallArgs&)> fn;
};

struct GeneratorData {
  std::vector<Value> items;
  bool consumed = false;
  std::string type_name;  // "generator", "list_reverseiterator", ...
};

class Value {
 public:
  Value() = default;  // Undefined without a hint

  static Value undefined(std::string hint);
  static Value none();
  static Value boolean(bool b);
  static Value integer(std::int64_t i);
  static Value floating(double f);
  static Value string(std::string s);
  // markupsafe.Markup: a str marked safe by |safe or |escape. `+` with a
  // plain str HTML-escapes the plain side.
  static Value markup(std::string s);
  static Value list(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);
  static Value dict(std::vector<std::pair<Value, Value>> entries);
  static Value dict_view(const char* view, std::vector<Value> items);
  static Value namespace_object(std::shared_ptr<NamespaceData> data);
  static Value callable(std::string name, std::function<Value(Interpreter&, CallArgs&)> fn);
  static Value generator(std::vector<Value> items, std::string type_name = "generator");

  ValueKind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == ValueKind::kUndefined; }
  bool is_none() const { return kind_ == ValueKind::kNone; }
  bool is_bool() const { return kind_ == ValueKind::kBool; }
  bool is_int() const { return kind_ == ValueKind::kInt; }
  bool is_float() const { return kind_ == ValueKind::kFloat; }
  bool is_number() const { return is_bool() || is_int() || is_float(); }
  bool is_string() const { return kind_ == ValueKind::kString; }
  bool is_markup() const { return kind_ == ValueKind::kString && b_; }
  bool is_list() const { return kind_ == ValueKind::kList; }
  bool is_dict() const { return kind_ == ValueKind::kDict; }
  bool is_namespace() const { return kind_ == ValueKind::kNamespace; }
  bool is_callable() const { return kind_ == ValueKind::kCallable; }
  bool is_generator() const { return kind_ == ValueKind::kGenerator; }

  bool as_bool() const { return b_; }
  std::int64_t as_int() const { return i_; }  // also valid for bool (0/1)
  double as_float() const { return is_float() ? f_ : static_cast<double>(i_); }
  const std::string& as_string() const;
  const ListData& as_list() const;
  const DictData& as_dict() const;
  NamespaceData& as_namespace() const;
  const CallableData& as_callable() const;
  GeneratorData& as_generator() const;
  // Why a value is undefined ("'x' is undefined"), for error messages.
  const std::string& undefined_hint() const;

  // Nesting depth: 0 for scalars, 1 + deepest child for lists and dicts.
  std::uint32_t depth() const;
  // Roughly the bytes of str()/tojson() of this value before escaping,
  // shared parts counted each time they appear (saturating). Lets callers
  // refuse to serialize [big_string] * 1000 before trying.
  std::uint64_t size_estimate() const;

  // Python truthiness (Undefined is false, a generator is always true).
  bool truthy() const;

 private:
  ValueKind kind_ = ValueKind::kUndefined;
  bool b_ = false;
  std::int64_t i_ = 0;
  double f_ = 0.0;
  std::shared_ptr<void> ptr_;
};

// Python's type name of a value, as in error messages ("'int' object ...").
std::string_view type_name(const Value& v);

}  // namespace servir::jinja
