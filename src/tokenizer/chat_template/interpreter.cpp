#include "tokenizer/chat_template/interpreter.h"

#include <algorithm>

#include "tokenizer/chat_template/error.h"
#include "tokenizer/chat_template/py_string.h"
#include "tokenizer/chat_template/value_ops.h"

namespace servir::jinja {

// ---------------------------------------------------------------- Scope

const Value* Scope::lookup(std::string_view name) const {
  for (const Scope* s = this; s; s = s->parent_.get()) {
    for (auto it = s->vars_.rbegin(); it != s->vars_.rend(); ++it) {
      if (it->first == name) return &it->second;
    }
  }
  return nullptr;
}

Value* Scope::lookup_mutable(std::string_view name) { return const_cast<Value*>(lookup(name)); }

void Scope::set(std::string_view name, Value value) {
  for (auto& [k, v] : vars_) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  vars_.emplace_back(std::string(name), std::move(value));
}

// ---------------------------------------------------------------- helpers

class DepthGuard {
 public:
  explicit DepthGuard(Interpreter& in) : in_(in) {
    if (++in_.depth_ > in_.limits_.max_render_depth)
      fail_limit("render nested deeper than {} levels (max_render_depth)", in_.limits_.max_render_depth);
  }
  ~DepthGuard() { --in_.depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  Interpreter& in_;
};

namespace {

// Opens a child scope of `parent` for the guard's lifetime.
class ScopeGuard {
 public:
  ScopeGuard(std::shared_ptr<Scope>& slot, std::shared_ptr<Scope> parent) : slot_(slot), saved_(slot) {
    slot_ = std::make_shared<Scope>(std::move(parent));
  }
  ~ScopeGuard() { slot_ = std::move(saved_); }
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;

 private:
  std::shared_ptr<Scope>& slot_;
  std::shared_ptr<Scope> saved_;
};

const Value& loop_key(std::size_t i) {
  static const Value kKeys[] = {
      Value::string("index"),  Value::string("index0"),   Value::string("revindex"), Value::string("revindex0"),
      Value::string("first"),  Value::string("last"),     Value::string("length"),   Value::string("depth"),
      Value::string("depth0"), Value::string("previtem"), Value::string("nextitem"), Value::string("cycle"),
  };
  return kKeys[i];
}

Value slice_value(const Value& obj, const Value& start_v, const Value& stop_v, const Value& step_v) {
  auto opt_int = [](const Value& v, const char* what) -> std::optional<std::int64_t> {
    if (v.is_undefined() || v.is_none()) return std::nullopt;
    if (v.is_int() || v.is_bool()) return v.as_int();
    fail("slice {} must be an integer or None, not {}", what, type_name(v));
  };
  std::optional<std::int64_t> start = opt_int(start_v, "start"), stop = opt_int(stop_v, "stop");
  std::int64_t step = opt_int(step_v, "step").value_or(1);
  if (step == 0) fail("slice step cannot be zero");
  if (obj.is_undefined()) fail_undefined(obj);
  bool is_str = obj.is_string();
  if (!is_str && !obj.is_list()) fail("'{}' object is not subscriptable", type_name(obj));
  std::vector<char32_t> cps;
  bool ascii = is_str && is_ascii(obj.as_string());
  if (is_str && !ascii) cps = utf8_decode(obj.as_string());
  auto n =
      static_cast<std::int64_t>(is_str ? (ascii ? obj.as_string().size() : cps.size()) : obj.as_list().items.size());
  auto clamp = [&](std::optional<std::int64_t> v, std::int64_t dflt, bool is_stop) {
    (void)is_stop;
    if (!v) return dflt;
    std::int64_t x = *v;
    if (x < 0) x += n;
    if (step > 0) return std::clamp<std::int64_t>(x, 0, n);
    return std::clamp<std::int64_t>(x, -1, n - 1);
  };
  std::int64_t b = clamp(start, step > 0 ? 0 : n - 1, false);
  std::int64_t e = clamp(stop, step > 0 ? n : -1, true);
  std::vector<std::int64_t> idx;
  for (std::int64_t i = b; step > 0 ? i < e : i > e; i += step) idx.push_back(i);
  if (is_str) {
    std::string out;
    for (auto i : idx) {
      if (ascii) {
        out.push_back(obj.as_string()[static_cast<std::size_t>(i)]);
      } else {
        utf8_append(out, cps[static_cast<std::size_t>(i)]);
      }
    }
    return Value::string(std::move(out));
  }
  std::vector<Value> items;
  items.reserve(idx.size());
  for (auto i : idx) items.push_back(obj.as_list().items[static_cast<std::size_t>(i)]);
  return obj.as_list().is_tuple ? Value::tuple(std::move(items)) : Value::list(std::move(items));
}

std::string object_type_repr(const Value& v) {
  if (v.is_none()) return "None";
  return fmt::format("{} object", type_name(v));
}

Value missing_attribute(const Value& obj, std::string_view name) {
  return Value::undefined(fmt::format("'{}' has no attribute '{}'", object_type_repr(obj), name));
}

}  // namespace

Interpreter::~Interpreter() {
  for (auto& ns : namespaces_) ns->attrs.clear();
}

void Interpreter::charge(std::uint64_t units) {
  work_ += units;
  if (work_ > limits_.max_work_units)
    fail_limit("template evaluation exceeded its work budget of {} units (max_work_units)", limits_.max_work_units);
}

void Interpreter::check_size(std::size_t size, std::string_view what) const {
  if (size > limits_.max_value_size)
    fail_limit("{} of {} bytes exceeds the limit of {} (max_value_size)", what, size, limits_.max_value_size);
}

void Interpreter::emit(std::string& out, std::string_view text) const {
  if (out.size() + text.size() > limits_.max_output_bytes)
    fail_limit("template output exceeds {} bytes (max_output_bytes)", limits_.max_output_bytes);
  out.append(text);
}

Value Interpreter::make_namespace(std::vector<std::pair<std::string, Value>> attrs) {
  auto data = std::make_shared<NamespaceData>();
  data->attrs = std::move(attrs);
  namespaces_.push_back(data);
  return Value::namespace_object(std::move(data));
}

void Interpreter::fail_at(const Expr& expr, const std::string& message) {
  throw TemplateError(ErrorCode::kInvalidArgument, message, expr.line);
}

std::string Interpreter::render(const Body& body, const Value& variables) {
  auto root = std::make_shared<Scope>(nullptr);
  for (auto& [name, value] : builtin_globals()) root->set(name, std::move(value));
  if (variables.is_dict()) {
    for (const auto& [k, v] : variables.as_dict().entries) {
      if (k.is_string()) root->set(k.as_string(), v);
    }
  }
  scope_ = root;
  std::string out;
  try {
    exec_body(body, out);
  } catch (TemplateError& e) {
    e.set_line_if_unknown(line_);
    scope_.reset();
    throw;
  }
  scope_.reset();
  return out;
}

// ---------------------------------------------------------------- statements

Interpreter::Flow Interpreter::exec_body(const Body& body, std::string& out) {
  for (const auto& stmt : body) {
    Flow flow = exec(*stmt, out);
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

std::string Interpreter::capture(const Body& body) {
  std::string buffer;
  exec_body(body, buffer);
  return buffer;
}

Interpreter::Flow Interpreter::exec(const Stmt& stmt, std::string& out) {
  DepthGuard guard(*this);
  line_ = stmt.line;
  charge(1);
  switch (stmt.kind) {
    case StmtKind::kText:
      emit(out, stmt.text);
      return Flow::kNormal;
    case StmtKind::kOutput: {
      Value v = eval(*stmt.expr);
      line_ = stmt.line;
      if (v.is_string()) {
        emit(out, v.as_string());
      } else {
        check_size(v.size_estimate(), "printed value");
        emit(out, py_str(v));
      }
      return Flow::kNormal;
    }
    case StmtKind::kIf:
      for (const auto& [cond, body] : stmt.branches) {
        if (!cond || eval(*cond).truthy()) return exec_body(body, out);
      }
      return Flow::kNormal;
    case StmtKind::kFor:
      return exec_for(stmt, out);
    case StmtKind::kSet:
      exec_set(*stmt.target, eval(*stmt.expr));
      return Flow::kNormal;
    case StmtKind::kSetBlock: {
      Value v = Value::string(capture(stmt.body));
      if (stmt.expr) {
        block_values_.push_back(std::move(v));
        v = eval(*stmt.expr);
        block_values_.pop_back();
      }
      exec_set(*stmt.target, std::move(v));
      return Flow::kNormal;
    }
    case StmtKind::kMacro:
      scope_->set(stmt.name, define_macro(stmt, nullptr));
      return Flow::kNormal;
    case StmtKind::kCallBlock: {
      const Expr& call = *stmt.expr;
      Value callee = eval(*call.children[0]);
      CallArgs args = eval_args(call, 1);
      args.keyword.emplace_back("caller", define_macro(stmt, nullptr));
      Value v = this->call(callee, args);
      emit(out, py_str(v));
      return Flow::kNormal;
    }
    case StmtKind::kFilterBlock: {
      block_values_.push_back(Value::string(capture(stmt.body)));
      Value v = eval(*stmt.expr);
      block_values_.pop_back();
      check_size(v.size_estimate(), "filtered block");
      emit(out, py_str(v));
      return Flow::kNormal;
    }
    case StmtKind::kBreak:
      return Flow::kBreak;
    case StmtKind::kContinue:
      return Flow::kContinue;
    case StmtKind::kScope: {
      std::vector<Value> values;
      for (const auto& [target, expr] : stmt.assignments) values.push_back(eval(*expr));
      ScopeGuard scope(scope_, scope_);
      for (std::size_t i = 0; i < values.size(); ++i) exec_set(*stmt.assignments[i].first, std::move(values[i]));
      return exec_body(stmt.body, out);
    }
    case StmtKind::kBlock:
      return exec_body(stmt.body, out);
  }
  return Flow::kNormal;
}

void Interpreter::exec_set(const Expr& target, Value value) {
  switch (target.kind) {
    case ExprKind::kName:
      scope_->set(target.name, std::move(value));
      return;
    case ExprKind::kTuple: {
      std::vector<Value> items = iterate(value);
      if (items.size() != target.children.size()) {
        fail_at(target, items.size() > target.children.size()
                            ? fmt::format("too many values to unpack (expected {})", target.children.size())
                            : fmt::format("not enough values to unpack (expected {}, got {})", target.children.size(),
                                          items.size()));
      }
      for (std::size_t i = 0; i < items.size(); ++i) exec_set(*target.children[i], std::move(items[i]));
      return;
    }
    case ExprKind::kGetAttr: {
      const std::string& ns_name = target.children[0]->name;
      Value* ns = scope_->lookup_mutable(ns_name);
      if (!ns || !ns->is_namespace()) fail_at(target, "cannot assign attribute on non-namespace object");
      NamespaceData& data = ns->as_namespace();
      if (Value* slot = data.find(target.name)) {
        *slot = std::move(value);
      } else {
        data.attrs.emplace_back(target.name, std::move(value));
      }
      return;
    }
    default:
      fail_at(target, "cannot assign to this expression");
  }
}

Interpreter::Flow Interpreter::exec_for(const Stmt& stmt, std::string& out) {
  Value iterable = eval(*stmt.expr);
  if (iterable.is_none() || iterable.is_int() || iterable.is_float() || iterable.is_bool() || iterable.is_namespace() ||
      iterable.is_callable())
    fail_at(*stmt.expr, fmt::format("'{}' object is not iterable", type_name(iterable)));
  std::vector<Value> items = iterate(iterable);
  charge(items.size());
  if (stmt.cond) {
    std::vector<Value> kept;
    for (auto& item : items) {
      if (++loop_iterations_ > limits_.max_loop_iterations)
        fail_limit("loop iterations exceed {} (max_loop_iterations)", limits_.max_loop_iterations);
      ScopeGuard scope(scope_, scope_);
      exec_set(*stmt.target, item);
      if (eval(*stmt.cond).truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) return exec_body(stmt.else_body, out);
  auto n = static_cast<std::int64_t>(items.size());
  for (std::int64_t i = 0; i < n; ++i) {
    if (++loop_iterations_ > limits_.max_loop_iterations)
      fail_limit("loop iterations exceed {} (max_loop_iterations)", limits_.max_loop_iterations);
    line_ = stmt.line;
    ScopeGuard scope(scope_, scope_);
    const Value& item = items[static_cast<std::size_t>(i)];
    exec_set(*stmt.target, item);
    std::vector<std::pair<Value, Value>> loop;
    loop.reserve(12);
    loop.emplace_back(loop_key(0), Value::integer(i + 1));
    loop.emplace_back(loop_key(1), Value::integer(i));
    loop.emplace_back(loop_key(2), Value::integer(n - i));
    loop.emplace_back(loop_key(3), Value::integer(n - i - 1));
    loop.emplace_back(loop_key(4), Value::boolean(i == 0));
    loop.emplace_back(loop_key(5), Value::boolean(i == n - 1));
    loop.emplace_back(loop_key(6), Value::integer(n));
    loop.emplace_back(loop_key(7), Value::integer(1));
    loop.emplace_back(loop_key(8), Value::integer(0));
    loop.emplace_back(loop_key(9),
                      i > 0 ? items[static_cast<std::size_t>(i - 1)] : Value::undefined("there is no previous item"));
    loop.emplace_back(loop_key(10),
                      i + 1 < n ? items[static_cast<std::size_t>(i + 1)] : Value::undefined("there is no next item"));
    loop.emplace_back(loop_key(11), Value::callable("cycle", [i](Interpreter&, CallArgs& args) -> Value {
                        if (args.positional.empty()) fail("no items for cycling given");
                        return args.positional[static_cast<std::size_t>(i) % args.positional.size()];
                      }));
    scope_->set("loop", Value::dict(std::move(loop)));
    Flow flow = exec_body(stmt.body, out);
    if (flow == Flow::kBreak) break;
  }
  return Flow::kNormal;
}

Value Interpreter::define_macro(const Stmt& stmt, const Value*) {
  std::weak_ptr<Scope> defining = scope_;
  const Stmt* s = &stmt;
  std::string name = stmt.kind == StmtKind::kMacro ? stmt.name : "caller";
  return Value::callable(name, [s, defining](Interpreter& in, CallArgs& args) -> Value {
    return in.call_macro(*s, defining, args, nullptr);
  });
}

Value Interpreter::call_macro(const Stmt& stmt, const std::weak_ptr<Scope>& defining, CallArgs& args, const Value*) {
  std::shared_ptr<Scope> parent = defining.lock();
  if (!parent) fail("macro '{}' called after its defining scope ended", stmt.name);
  if (++call_depth_ > limits_.max_call_depth) {
    --call_depth_;
    fail_limit("macro calls nested deeper than {} (max_call_depth)", limits_.max_call_depth);
  }
  struct CallDepth {
    std::uint32_t& d;
    ~CallDepth() { --d; }
  } call_depth{call_depth_};
  ScopeGuard scope(scope_, parent);
  const auto& params = stmt.params;
  std::vector<bool> used(args.keyword.size(), false);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const MacroParam& p = params[i];
    if (i < args.positional.size()) {
      scope_->set(p.name, args.positional[i]);
      continue;
    }
    bool found = false;
    for (std::size_t k = 0; k < args.keyword.size(); ++k) {
      if (!used[k] && args.keyword[k].first == p.name) {
        scope_->set(p.name, args.keyword[k].second);
        used[k] = true;
        found = true;
        break;
      }
    }
    if (found) continue;
    if (p.default_value) {
      scope_->set(p.name, eval(*p.default_value));
    } else {
      scope_->set(p.name, Value::undefined(fmt::format("parameter '{}' was not provided", p.name)));
    }
  }
  std::vector<Value> varargs;
  for (std::size_t i = params.size(); i < args.positional.size(); ++i) varargs.push_back(args.positional[i]);
  std::vector<std::pair<Value, Value>> kwargs;
  for (std::size_t k = 0; k < args.keyword.size(); ++k) {
    if (used[k]) continue;
    if (args.keyword[k].first == "caller") {
      scope_->set("caller", args.keyword[k].second);
    } else {
      kwargs.emplace_back(Value::string(args.keyword[k].first), args.keyword[k].second);
    }
  }
  scope_->set("varargs", Value::tuple(std::move(varargs)));
  scope_->set("kwargs", Value::dict(std::move(kwargs)));
  return Value::string(capture(stmt.body));
}

// ---------------------------------------------------------------- expressions

Value Interpreter::eval(const Expr& expr) {
  DepthGuard guard(*this);
  charge(1);
  Value v = eval_inner(expr);
  if (v.is_string()) {
    charge(v.as_string().size() / 16);
  } else if (v.is_list()) {
    charge(v.as_list().items.size());
  }
  return v;
}

CallArgs Interpreter::eval_args(const Expr& expr, std::size_t first) {
  CallArgs args;
  for (std::size_t i = first; i < expr.children.size(); ++i) args.positional.push_back(eval(*expr.children[i]));
  for (const auto& [name, value] : expr.kwargs) args.keyword.emplace_back(name, eval(*value));
  return args;
}

Value Interpreter::eval_inner(const Expr& expr) {
  line_ = expr.line;
  switch (expr.kind) {
    case ExprKind::kLiteral:
      return expr.literal;
    case ExprKind::kName: {
      const Value* v = scope_->lookup(expr.name);
      if (v) return *v;
      return Value::undefined(fmt::format("'{}' is undefined", expr.name));
    }
    case ExprKind::kList:
    case ExprKind::kTuple: {
      std::vector<Value> items;
      items.reserve(expr.children.size());
      for (const auto& c : expr.children) items.push_back(eval(*c));
      return expr.kind == ExprKind::kList ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case ExprKind::kDict: {
      std::vector<std::pair<Value, Value>> entries;
      for (std::size_t i = 0; i + 1 < expr.children.size(); i += 2) {
        Value k = eval(*expr.children[i]);
        Value v = eval(*expr.children[i + 1]);
        if (k.is_list() && !k.as_list().is_tuple) fail_at(expr, "unhashable type: 'list'");
        if (k.is_dict()) fail_at(expr, "unhashable type: 'dict'");
        auto it = std::find_if(entries.begin(), entries.end(), [&](const auto& e) { return py_equal(e.first, k); });
        if (it != entries.end()) {
          it->second = std::move(v);
        } else {
          entries.emplace_back(std::move(k), std::move(v));
        }
      }
      return Value::dict(std::move(entries));
    }
    case ExprKind::kGetAttr: {
      Value obj = eval(*expr.children[0]);
      line_ = expr.line;
      return get_attr(obj, expr.name);
    }
    case ExprKind::kGetItem: {
      Value obj = eval(*expr.children[0]);
      Value key = eval(*expr.children[1]);
      line_ = expr.line;
      return get_item(obj, key);
    }
    case ExprKind::kSlice: {
      Value obj = eval(*expr.children[0]);
      Value parts[3];
      for (int i = 0; i < 3; ++i) {
        if (expr.children[static_cast<std::size_t>(i) + 1])
          parts[i] = eval(*expr.children[static_cast<std::size_t>(i) + 1]);
      }
      line_ = expr.line;
      return slice_value(obj, parts[0], parts[1], parts[2]);
    }
    case ExprKind::kCall: {
      Value callee = eval(*expr.children[0]);
      CallArgs args = eval_args(expr, 1);
      line_ = expr.line;
      return call(callee, args);
    }
    case ExprKind::kFilter: {
      const Expr& operand_expr = *expr.children[0];
      Value operand = operand_expr.kind == ExprKind::kBlockValue ? block_values_.back() : eval(operand_expr);
      CallArgs args = eval_args(expr, 1);
      line_ = expr.line;
      return apply_filter(expr.name, operand, args);
    }
    case ExprKind::kTest: {
      Value operand = eval(*expr.children[0]);
      CallArgs args = eval_args(expr, 1);
      line_ = expr.line;
      return Value::boolean(apply_test(expr.name, operand, args) != expr.negated);
    }
    case ExprKind::kNeg:
      return unary_minus(eval(*expr.children[0]));
    case ExprKind::kPos: {
      Value v = eval(*expr.children[0]);
      if (v.is_undefined()) fail_undefined(v);
      if (!v.is_number()) fail_at(expr, fmt::format("bad operand type for unary +: '{}'", type_name(v)));
      return v.is_bool() ? Value::integer(v.as_int()) : v;
    }
    case ExprKind::kNot:
      return Value::boolean(!eval(*expr.children[0]).truthy());
    case ExprKind::kBinary: {
      Value a = eval(*expr.children[0]);
      Value b = eval(*expr.children[1]);
      line_ = expr.line;
      return binary_op(expr.name, a, b, limits_.max_value_size);
    }
    case ExprKind::kConcat: {
      std::string s;
      for (const auto& c : expr.children) {
        Value v = eval(*c);
        check_size(s.size() + v.size_estimate(), "string");
        append_py_str(s, v);
      }
      check_size(s.size(), "string");
      return Value::string(std::move(s));
    }
    case ExprKind::kCompare:
      return Value::boolean(eval_compare(expr));
    case ExprKind::kAnd: {
      Value a = eval(*expr.children[0]);
      if (!a.truthy()) return a;
      return eval(*expr.children[1]);
    }
    case ExprKind::kOr: {
      Value a = eval(*expr.children[0]);
      if (a.truthy()) return a;
      return eval(*expr.children[1]);
    }
    case ExprKind::kCondExpr:
      if (eval(*expr.children[0]).truthy()) return eval(*expr.children[1]);
      if (expr.children[2]) return eval(*expr.children[2]);
      return Value::undefined(fmt::format(
          "the inline if-expression on line {} evaluated to false and no else section was defined.", expr.line));
    case ExprKind::kBlockValue:
      return block_values_.empty() ? Value() : block_values_.back();
  }
  return Value();
}

bool Interpreter::eval_compare(const Expr& expr) {
  Value left = eval(*expr.children[0]);
  for (std::size_t i = 0; i < expr.ops.size(); ++i) {
    Value right = eval(*expr.children[i + 1]);
    line_ = expr.line;
    const std::string& op = expr.ops[i];
    bool result = false;
    if (op == "==") {
      result = py_equal(left, right);
    } else if (op == "!=") {
      result = !py_equal(left, right);
    } else if (op == "<") {
      result = py_less(left, right);
    } else if (op == ">") {
      result = py_less(right, left);
    } else if (op == "<=") {
      result = py_less(left, right) || py_equal(left, right);
    } else if (op == ">=") {
      result = py_less(right, left) || py_equal(left, right);
    } else if (op == "in") {
      result = py_contains(right, left);
    } else {
      result = !py_contains(right, left);
    }
    if (!result) return false;
    left = std::move(right);
  }
  return true;
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) fail_undefined(callee);
  if (!callee.is_callable()) fail("'{}' object is not callable", type_name(callee));
  DepthGuard guard(*this);
  return callee.as_callable().fn(*this, args);
}

Value Interpreter::apply_filter(std::string_view name, const Value& operand, CallArgs& args) {
  FilterFn fn = find_filter(name);
  if (!fn) fail("No filter named '{}'.", name);
  return fn(*this, operand, args);
}

bool Interpreter::apply_test(std::string_view name, const Value& operand, CallArgs& args) {
  TestFn fn = find_test(name);
  if (!fn) fail("No test named '{}'.", name);
  return fn(*this, operand, args);
}

Value Interpreter::get_attr(const Value& obj, std::string_view name) {
  switch (obj.kind()) {
    case ValueKind::kUndefined:
      fail_undefined(obj);
    case ValueKind::kDict: {
      if (!name.empty() && name[0] != '_') {
        Value method = find_method(obj, name);
        if (!method.is_undefined()) return method;
      }
      if (const Value* v = obj.as_dict().find(name)) return *v;
      return missing_attribute(obj, name);
    }
    case ValueKind::kNamespace:
      if (Value* v = obj.as_namespace().find(name)) return *v;
      return missing_attribute(obj, name);
    case ValueKind::kString:
    case ValueKind::kList: {
      if (!name.empty() && name[0] != '_') {
        Value method = find_method(obj, name);
        if (!method.is_undefined()) return method;
      }
      return missing_attribute(obj, name);
    }
    default:
      return missing_attribute(obj, name);
  }
}

Value Interpreter::get_item(const Value& obj, const Value& key) {
  switch (obj.kind()) {
    case ValueKind::kUndefined:
      fail_undefined(obj);
    case ValueKind::kDict:
      if (const Value* v = obj.as_dict().find(key)) return *v;
      break;
    case ValueKind::kList:
    case ValueKind::kString:
      if (key.is_int() || key.is_bool()) {
        std::int64_t i = key.as_int();
        if (obj.is_list()) {
          auto n = static_cast<std::int64_t>(obj.as_list().items.size());
          if (i < 0) i += n;
          if (i >= 0 && i < n) return obj.as_list().items[static_cast<std::size_t>(i)];
        } else {
          const std::string& s = obj.as_string();
          if (is_ascii(s)) {
            auto n = static_cast<std::int64_t>(s.size());
            if (i < 0) i += n;
            if (i >= 0 && i < n) return Value::string(std::string(1, s[static_cast<std::size_t>(i)]));
          } else {
            auto cps = utf8_decode(s);
            auto n = static_cast<std::int64_t>(cps.size());
            if (i < 0) i += n;
            if (i >= 0 && i < n)
              return Value::string(utf8_encode(cps, static_cast<std::size_t>(i), static_cast<std::size_t>(i) + 1));
          }
        }
        return Value::undefined(fmt::format("{} has no element {}", object_type_repr(obj), key.as_int()));
      }
      break;
    default:
      break;
  }
  if (key.is_string()) return get_attr(obj, key.as_string());
  return Value::undefined(fmt::format("{} has no element {}", object_type_repr(obj), py_repr(key)));
}

// ---------------------------------------------------------------- ArgBinder

ArgBinder::ArgBinder(CallArgs& args, std::string_view function, std::vector<std::string_view> params)
    : bound_(params.size(), nullptr) {
  if (args.positional.size() > params.size())
    fail("{}() takes at most {} argument(s) ({} given)", function, params.size(), args.positional.size());
  for (std::size_t i = 0; i < args.positional.size(); ++i) bound_[i] = &args.positional[i];
  for (const auto& [name, value] : args.keyword) {
    auto it = std::find(params.begin(), params.end(), name);
    if (it == params.end()) fail("{}() got an unexpected keyword argument '{}'", function, name);
    auto i = static_cast<std::size_t>(it - params.begin());
    if (bound_[i]) fail("{}() got multiple values for argument '{}'", function, name);
    bound_[i] = &value;
  }
}

}  // namespace servir::jinja
