// Renders a parsed template: scopes, statements, expressions, macros and
// calls into the filter, test and method tables. One Interpreter renders one
// template once; it is cheap to create and not shared between threads.
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat_template/ast.h"
#include "tokenizer/chat_template/limits.h"
#include "tokenizer/chat_template/value.h"

namespace servir::jinja {

// Variables of one frame; lookups walk to the parent. A for-loop iteration,
// a macro call and {% with %} open a frame, {% if %} does not (Jinja2
// scoping: a {% set %} inside a loop body is gone after the iteration).
class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent) : parent_(std::move(parent)) {}
  const Value* lookup(std::string_view name) const;
  Value* lookup_mutable(std::string_view name);
  void set(std::string_view name, Value value);

 private:
  std::shared_ptr<Scope> parent_;
  std::vector<std::pair<std::string, Value>> vars_;
};

class Interpreter {
 public:
  Interpreter(const ChatTemplateLimits& limits, std::function<std::tm()> clock)
      : limits_(limits), clock_(std::move(clock)) {}
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // `variables` must be a dict with string keys.
  std::string render(const Body& body, const Value& variables);

  // For filters, tests, methods and builtins.
  Value call(const Value& callee, CallArgs& args);
  Value apply_filter(std::string_view name, const Value& operand, CallArgs& args);
  bool apply_test(std::string_view name, const Value& operand, CallArgs& args);
  Value get_attr(const Value& object, std::string_view name);
  Value get_item(const Value& object, const Value& key);
  // Accounts work (see ChatTemplateLimits::max_work_units).
  void charge(std::uint64_t units);
  void check_size(std::size_t size, std::string_view what) const;
  const ChatTemplateLimits& limits() const { return limits_; }
  std::tm now() const { return clock_(); }
  Value make_namespace(std::vector<std::pair<std::string, Value>> attrs);

 private:
  enum class Flow { kNormal, kBreak, kContinue };
  friend class DepthGuard;

  Flow exec_body(const Body& body, std::string& out);
  Flow exec(const Stmt& stmt, std::string& out);
  Flow exec_for(const Stmt& stmt, std::string& out);
  void exec_set(const Expr& target, Value value);
  Value define_macro(const Stmt& stmt, const Value* caller_body_scope);
  Value call_macro(const Stmt& stmt, const std::weak_ptr<Scope>& defining, CallArgs& args, const Value* caller);
  Value eval(const Expr& expr);
  Value eval_inner(const Expr& expr);
  CallArgs eval_args(const Expr& expr, std::size_t first);
  bool eval_compare(const Expr& expr);
  void emit(std::string& out, std::string_view text) const;
  std::string capture(const Body& body);
  [[noreturn]] void fail_at(const Expr& expr, const std::string& message);

  ChatTemplateLimits limits_;
  std::function<std::tm()> clock_;
  std::shared_ptr<Scope> scope_;
  std::vector<std::shared_ptr<NamespaceData>> namespaces_;  // cleared at the end: breaks reference cycles
  std::vector<Value> block_values_;                         // stack for kBlockValue
  std::uint64_t loop_iterations_ = 0;
  std::uint64_t work_ = 0;
  std::uint32_t depth_ = 0;
  std::uint32_t call_depth_ = 0;
  int line_ = 0;
};

// Tables, defined in filters.cpp, tests.cpp, methods.cpp and builtins.cpp.
// Filters and tests return false from the lookup when the name is unknown.
using FilterFn = Value (*)(Interpreter&, const Value&, CallArgs&);
using TestFn = bool (*)(Interpreter&, const Value&, CallArgs&);
FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);
// A bound method of a str, list or dict (`"a b".split`), or an undefined
// value when the type has no such method.
Value find_method(const Value& object, std::string_view name);
// The globals every render sees: range, namespace, dict, raise_exception,
// strftime_now, joiner, cycler.
std::vector<std::pair<std::string, Value>> builtin_globals();

// Positional-or-keyword argument binding for native functions, like a
// Python signature: ArgBinder args(call_args, "round", {"precision", "method"}).
class ArgBinder {
 public:
  ArgBinder(CallArgs& args, std::string_view function, std::vector<std::string_view> params);
  // The argument for parameter i, or null when not given.
  const Value* get(std::size_t i) const { return bound_[i]; }
  bool has(std::size_t i) const { return bound_[i] != nullptr; }

 private:
  std::vector<const Value*> bound_;
};

}  // namespace servir::jinja
