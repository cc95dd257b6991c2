#include "tokenizer/chat_template/value.h"

#include <algorithm>

#include "tokenizer/chat_template/error.h"
#include "tokenizer/chat_template/value_ops.h"

namespace servir::jinja {

namespace {

// Lists and dicts nest at most this deep. Real templates and requests stay
// far below; the bound keeps every recursive walk of a value off the end of
// the stack.
constexpr std::uint32_t kMaxValueDepth = 200;

std::uint32_t checked_depth(std::uint32_t child_depth) {
  if (child_depth + 1 > kMaxValueDepth) fail_limit("value nesting deeper than {} levels", kMaxValueDepth);
  return child_depth + 1;
}

const std::string& empty_string() {
  static const std::string kEmpty;
  return kEmpty;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) { return a + b < a ? UINT64_MAX : a + b; }

}  // namespace

const Value* DictData::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.as_string()));
  for (const auto& [k, v] : entries) {
    if (py_equal(k, key)) return &v;
  }
  return nullptr;
}

const Value* DictData::find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

Value* NamespaceData::find(std::string_view name) {
  for (auto& [k, v] : attrs) {
    if (k == name) return &v;
  }
  return nullptr;
}

Value Value::undefined(std::string hint) {
  Value v;
  v.ptr_ = std::make_shared<std::string>(std::move(hint));
  return v;
}

Value Value::none() {
  Value v;
  v.kind_ = ValueKind::kNone;
  return v;
}

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = ValueKind::kBool;
  v.b_ = b;
  v.i_ = b ? 1 : 0;
  return v;
}

Value Value::integer(std::int64_t i) {
  Value v;
  v.kind_ = ValueKind::kInt;
  v.i_ = i;
  return v;
}

Value Value::floating(double f) {
  Value v;
  v.kind_ = ValueKind::kFloat;
  v.f_ = f;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.kind_ = ValueKind::kString;
  v.ptr_ = std::make_shared<std::string>(std::move(s));
  return v;
}

Value Value::markup(std::string s) {
  Value v = string(std::move(s));
  v.b_ = true;
  return v;
}

Value Value::list(std::vector<Value> items) {
  std::uint32_t child = 0;
  std::uint64_t size = 2;
  for (const auto& item : items) {
    child = std::max(child, item.depth());
    size = saturating_add(size, saturating_add(item.size_estimate(), 2));
  }
  auto data = std::make_shared<ListData>();
  data->size_estimate = size;
  data->depth = checked_depth(child);
  data->items = std::move(items);
  Value v;
  v.kind_ = ValueKind::kList;
  v.ptr_ = std::move(data);
  return v;
}

Value Value::tuple(std::vector<Value> items) {
  Value v = list(std::move(items));
  static_cast<ListData*>(v.ptr_.get())->is_tuple = true;
  return v;
}

Value Value::dict_view(const char* view, std::vector<Value> items) {
  Value v = list(std::move(items));
  static_cast<ListData*>(v.ptr_.get())->view = view;
  return v;
}

Value Value::dict(std::vector<std::pair<Value, Value>> entries) {
  std::uint32_t child = 0;
  std::uint64_t size = 2;
  for (const auto& [k, val] : entries) {
    child = std::max({child, k.depth(), val.depth()});
    size = saturating_add(size, saturating_add(saturating_add(k.size_estimate(), val.size_estimate()), 4));
  }
  auto data = std::make_shared<DictData>();
  data->size_estimate = size;
  data->depth = checked_depth(child);
  data->entries = std::move(entries);
  Value v;
  v.kind_ = ValueKind::kDict;
  v.ptr_ = std::move(data);
  return v;
}

Value Value::namespace_object(std::shared_ptr<NamespaceData> data) {
  Value v;
  v.kind_ = ValueKind::kNamespace;
  v.ptr_ = std::move(data);
  return v;
}

Value Value::callable(std::string name, std::function<Value(Interpreter&, CallArgs&)> fn) {
  auto data = std::make_shared<CallableData>();
  data->name = std::move(name);
  data->fn = std::move(fn);
  Value v;
  v.kind_ = ValueKind::kCallable;
  v.ptr_ = std::move(data);
  return v;
}

Value Value::generator(std::vector<Value> items, std::string type_name) {
  auto data = std::make_shared<GeneratorData>();
  data->items = std::move(items);
  data->type_name = std::move(type_name);
  Value v;
  v.kind_ = ValueKind::kGenerator;
  v.ptr_ = std::move(data);
  return v;
}

const std::string& Value::as_string() const { return *static_cast<const std::string*>(ptr_.get()); }
const ListData& Value::as_list() const { return *static_cast<const ListData*>(ptr_.get()); }
const DictData& Value::as_dict() const { return *static_cast<const DictData*>(ptr_.get()); }
NamespaceData& Value::as_namespace() const { return *static_cast<NamespaceData*>(ptr_.get()); }
const CallableData& Value::as_callable() const { return *static_cast<const CallableData*>(ptr_.get()); }
GeneratorData& Value::as_generator() const { return *static_cast<GeneratorData*>(ptr_.get()); }

const std::string& Value::undefined_hint() const {
  if (kind_ != ValueKind::kUndefined || !ptr_) return empty_string();
  return *static_cast<const std::string*>(ptr_.get());
}

std::uint32_t Value::depth() const {
  if (kind_ == ValueKind::kList) return as_list().depth;
  if (kind_ == ValueKind::kDict) return as_dict().depth;
  return 0;
}

std::uint64_t Value::size_estimate() const {
  switch (kind_) {
    case ValueKind::kString:
      return as_string().size();
    case ValueKind::kList:
      return as_list().size_estimate;
    case ValueKind::kDict:
      return as_dict().size_estimate;
    case ValueKind::kGenerator: {
      std::uint64_t size = 2;
      for (const auto& item : as_generator().items) size = saturating_add(size, item.size_estimate() + 2);
      return size;
    }
    default:
      return 8;
  }
}

bool Value::truthy() const {
  switch (kind_) {
    case ValueKind::kUndefined:
    case ValueKind::kNone:
      return false;
    case ValueKind::kBool:
      return b_;
    case ValueKind::kInt:
      return i_ != 0;
    case ValueKind::kFloat:
      return f_ != 0.0;
    case ValueKind::kString:
      return !as_string().empty();
    case ValueKind::kList:
      return !as_list().items.empty();
    case ValueKind::kDict:
      return !as_dict().entries.empty();
    case ValueKind::kNamespace:
    case ValueKind::kCallable:
    case ValueKind::kGenerator:
      return true;
  }
  return false;
}

std::string_view type_name(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kUndefined:
      return "Undefined";
    case ValueKind::kNone:
      return "NoneType";
    case ValueKind::kBool:
      return "bool";
    case ValueKind::kInt:
      return "int";
    case ValueKind::kFloat:
      return "float";
    case ValueKind::kString:
      return "str";
    case ValueKind::kList:
      if (v.as_list().view) return v.as_list().view;
      return v.as_list().is_tuple ? "tuple" : "list";
    case ValueKind::kDict:
      return "dict";
    case ValueKind::kNamespace:
      return "Namespace";
    case ValueKind::kCallable:
      return "function";
    case ValueKind::kGenerator:
      return v.as_generator().type_name;
  }
  return "object";
}

}  // namespace servir::jinja
