// The syntax tree of a parsed chat template. Nodes own their children; a
// parsed template is immutable and can be rendered from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/chat_template/value.h"

namespace servir::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind : std::uint8_t {
  kLiteral,     // literal
  kName,        // name
  kList,        // children
  kTuple,       // children
  kDict,        // children: key, value, key, value...
  kGetAttr,     // children[0].name
  kGetItem,     // children[0][children[1]]
  kSlice,       // children[0][children[1]:children[2]:children[3]] (null = omitted)
  kCall,        // children[0](children[1..], kwargs)
  kFilter,      // children[0] | name(children[1..], kwargs); children[0] may be kBlockValue
  kTest,        // children[0] is [not] name(children[1..]); negated
  kNeg,         // -children[0]
  kPos,         // +children[0]
  kNot,         // not children[0]
  kBinary,      // children[0] name children[1], name in + - * / // % **
  kConcat,      // children joined with ~
  kCompare,     // children[0] ops[0] children[1] ops[1] children[2]...
  kAnd,         // children[0] and children[1]
  kOr,          // children[0] or children[1]
  kCondExpr,    // children[1] if children[0] else children[2] (children[2] may be null)
  kBlockValue,  // the rendered body of {% filter %} / {% set x | f %}
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  int line = 0;
  Value literal;
  std::string name;
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::string> ops;
  bool negated = false;
};

enum class StmtKind : std::uint8_t {
  kText,         // text
  kOutput,       // {{ expr }}
  kIf,           // branches: (cond, body)...; cond null for else
  kFor,          // for target in expr [if cond]: body [else: else_body]
  kSet,          // set target = expr
  kSetBlock,     // set target [| filters as expr over kBlockValue]: body
  kMacro,        // macro name(params): body
  kCallBlock,    // call(params) expr: body (the body is `caller`)
  kFilterBlock,  // filter expr (over kBlockValue): body
  kBreak,
  kContinue,
  kScope,  // body in a new scope: {% with %}
  kBlock,  // body rendered as-is: {% generation %}, {% block %}
};

struct MacroParam {
  std::string name;
  ExprPtr default_value;  // null: required
};

struct Stmt {
  StmtKind kind = StmtKind::kText;
  int line = 0;
  std::string text;
  ExprPtr target;
  ExprPtr expr;
  ExprPtr cond;
  std::vector<std::pair<ExprPtr, Body>> branches;
  Body body;
  Body else_body;
  std::string name;
  std::vector<MacroParam> params;
  std::vector<std::pair<ExprPtr, ExprPtr>> assignments;  // {% with a = 1 %}
};

}  // namespace servir::jinja
