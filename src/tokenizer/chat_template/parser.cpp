#include "tokenizer/chat_template/parser.h"

#include <initializer_list>

#include "tokenizer/chat_template/error.h"
#include "tokenizer/chat_template/lexer.h"

namespace servir::jinja {

namespace {

std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kText:
      return "template data";
    case TokenKind::kVarBegin:
      return "'{{'";
    case TokenKind::kVarEnd:
      return "end of print statement";
    case TokenKind::kBlockBegin:
      return "'{%'";
    case TokenKind::kBlockEnd:
      return "end of statement block";
    case TokenKind::kName:
      return fmt::format("'{}'", t.value);
    case TokenKind::kString:
      return "string";
    case TokenKind::kInt:
    case TokenKind::kFloat:
      return "number";
    case TokenKind::kOp:
      return fmt::format("'{}'", t.value);
    case TokenKind::kEof:
      return "end of template";
  }
  return "token";
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::uint32_t max_depth) : tokens_(std::move(tokens)), max_depth_(max_depth) {}

  Body parse_all() {
    std::string end;
    Body body = parse_body({}, &end);
    return body;
  }

 private:
  class DepthGuard {
   public:
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > p_.max_depth_)
        throw TemplateError(ErrorCode::kResourceExhausted,
                            fmt::format("template nested deeper than {} levels", p_.max_depth_), p_.cur().line);
    }
    ~DepthGuard() { --p_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    Parser& p_;
  };

  const Token& cur() const { return tokens_[pos_]; }
  const Token& peek(std::size_t n = 1) const {
    std::size_t i = pos_ + n;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  void next() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }
  bool is_op(std::string_view op) const { return cur().kind == TokenKind::kOp && cur().value == op; }
  bool is_name(std::string_view name) const { return cur().kind == TokenKind::kName && cur().value == name; }

  [[noreturn]] void fail_at(const std::string& message) const {
    throw TemplateError(ErrorCode::kInvalidArgument, message, cur().line);
  }
  [[noreturn]] void unexpected(std::string_view expected) const {
    fail_at(fmt::format("unexpected {}, expected {}", describe(cur()), expected));
  }
  void expect_op(std::string_view op) {
    if (!is_op(op)) unexpected(fmt::format("'{}'", op));
    next();
  }
  void expect_block_end() {
    if (cur().kind != TokenKind::kBlockEnd) unexpected("end of statement block");
    next();
  }
  std::string expect_name() {
    if (cur().kind != TokenKind::kName) unexpected("a name");
    std::string n = cur().value;
    next();
    return n;
  }

  ExprPtr make(ExprKind kind, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->line = line;
    return e;
  }

  // Parses statements until a block tag named in `ends` (its name is
  // consumed and stored in *end) or, with no ends, until the end of input.
  Body parse_body(std::initializer_list<std::string_view> ends, std::string* end) {
    DepthGuard guard(*this);
    Body body;
    while (true) {
      const Token& t = cur();
      if (t.kind == TokenKind::kEof) {
        if (ends.size() == 0) return body;
        fail_at(fmt::format("unexpected end of template, expected '{}'", *ends.begin()));
      }
      if (t.kind == TokenKind::kText) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::kText;
        s->line = t.line;
        s->text = t.value;
        body.push_back(std::move(s));
        next();
      } else if (t.kind == TokenKind::kVarBegin) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::kOutput;
        s->line = t.line;
        next();
        s->expr = parse_tuple(true);
        if (cur().kind != TokenKind::kVarEnd) unexpected("end of print statement");
        next();
        body.push_back(std::move(s));
      } else if (t.kind == TokenKind::kBlockBegin) {
        next();
        if (cur().kind != TokenKind::kName) unexpected("a statement name");
        for (std::string_view e : ends) {
          if (cur().value == e) {
            *end = cur().value;
            next();
            return body;
          }
        }
        body.push_back(parse_statement());
      } else {
        unexpected("template data or a tag");
      }
    }
  }

  StmtPtr parse_statement() {
    DepthGuard guard(*this);
    auto s = std::make_unique<Stmt>();
    s->line = cur().line;
    std::string keyword = cur().value;
    next();
    std::string end;
    if (keyword == "if") {
      s->kind = StmtKind::kIf;
      ExprPtr cond = parse_tuple(true);
      while (true) {
        expect_block_end();
        Body body = parse_body({"elif", "else", "endif"}, &end);
        s->branches.emplace_back(std::move(cond), std::move(body));
        if (end == "elif") {
          cond = parse_tuple(true);
          continue;
        }
        if (end == "else") {
          expect_block_end();
          Body else_body = parse_body({"endif"}, &end);
          s->branches.emplace_back(nullptr, std::move(else_body));
        }
        break;
      }
    } else if (keyword == "for") {
      s->kind = StmtKind::kFor;
      s->target = parse_assign_target(false);
      if (!is_name("in")) unexpected("'in'");
      next();
      s->expr = parse_tuple(false);
      if (is_name("if")) {
        next();
        s->cond = parse_expression(true);
      }
      if (is_name("recursive")) fail_at("recursive for loops are not supported");
      expect_block_end();
      ++loop_depth_;
      s->body = parse_body({"endfor", "else"}, &end);
      --loop_depth_;
      if (end == "else") {
        expect_block_end();
        s->else_body = parse_body({"endfor"}, &end);
      }
    } else if (keyword == "set") {
      s->target = parse_assign_target(true);
      if (is_op("=")) {
        next();
        s->kind = StmtKind::kSet;
        s->expr = parse_tuple(true);
      } else {
        s->kind = StmtKind::kSetBlock;
        if (is_op("|")) s->expr = parse_filter_chain(make(ExprKind::kBlockValue, s->line));
        expect_block_end();
        s->body = parse_body({"endset"}, &end);
      }
    } else if (keyword == "macro") {
      s->kind = StmtKind::kMacro;
      s->name = expect_name();
      parse_params(s->params);
      expect_block_end();
      int saved = loop_depth_;
      loop_depth_ = 0;
      s->body = parse_body({"endmacro"}, &end);
      loop_depth_ = saved;
    } else if (keyword == "call") {
      s->kind = StmtKind::kCallBlock;
      if (is_op("(")) parse_params(s->params);
      s->expr = parse_expression(true);
      if (s->expr->kind != ExprKind::kCall) fail_at("expected call");
      expect_block_end();
      int saved = loop_depth_;
      loop_depth_ = 0;
      s->body = parse_body({"endcall"}, &end);
      loop_depth_ = saved;
    } else if (keyword == "filter") {
      s->kind = StmtKind::kFilterBlock;
      s->expr = parse_filter_chain(make(ExprKind::kBlockValue, s->line), /*leading_pipe=*/false);
      expect_block_end();
      s->body = parse_body({"endfilter"}, &end);
    } else if (keyword == "break" || keyword == "continue") {
      if (loop_depth_ == 0) fail_at(fmt::format("'{}' outside of a loop", keyword));
      s->kind = keyword == "break" ? StmtKind::kBreak : StmtKind::kContinue;
    } else if (keyword == "with") {
      s->kind = StmtKind::kScope;
      while (cur().kind != TokenKind::kBlockEnd) {
        if (!s->assignments.empty()) expect_op(",");
        ExprPtr target = parse_assign_target(false);
        expect_op("=");
        s->assignments.emplace_back(std::move(target), parse_expression(true));
      }
      expect_block_end();
      s->body = parse_body({"endwith"}, &end);
    } else if (keyword == "generation") {
      s->kind = StmtKind::kBlock;
      expect_block_end();
      s->body = parse_body({"endgeneration"}, &end);
    } else if (keyword == "block") {
      s->kind = StmtKind::kBlock;
      s->name = expect_name();
      if (is_name("scoped") || is_name("required")) next();
      expect_block_end();
      s->body = parse_body({"endblock"}, &end);
      if (cur().kind == TokenKind::kName) next();
    } else {
      fail_at(fmt::format("Encountered unknown tag '{}'", keyword));
    }
    expect_block_end();
    return s;
  }

  void parse_params(std::vector<MacroParam>& params) {
    expect_op("(");
    while (!is_op(")")) {
      if (!params.empty()) expect_op(",");
      if (is_op(")")) break;
      MacroParam p;
      p.name = expect_name();
      if (is_op("=")) {
        next();
        p.default_value = parse_expression(true);
      } else if (!params.empty() && params.back().default_value) {
        fail_at("non-default argument follows default argument");
      }
      params.push_back(std::move(p));
    }
    next();
  }

  // for/set/with targets: a name, `ns.attr` (set only), or a tuple of names.
  ExprPtr parse_assign_target(bool allow_attr) {
    int line = cur().line;
    if (allow_attr && cur().kind == TokenKind::kName && peek().kind == TokenKind::kOp && peek().value == ".") {
      auto e = make(ExprKind::kGetAttr, line);
      auto base = make(ExprKind::kName, line);
      base->name = expect_name();
      next();
      e->name = expect_name();
      e->children.push_back(std::move(base));
      return e;
    }
    bool parens = is_op("(");
    if (parens) next();
    auto tuple = make(ExprKind::kTuple, line);
    while (true) {
      auto n = make(ExprKind::kName, cur().line);
      n->name = expect_name();
      if (n->name == "true" || n->name == "false" || n->name == "none" || n->name == "True" || n->name == "False" ||
          n->name == "None")
        fail_at(fmt::format("can't assign to constant '{}'", n->name));
      tuple->children.push_back(std::move(n));
      if (!is_op(",")) break;
      next();
      if (cur().kind != TokenKind::kName) break;
    }
    if (parens) expect_op(")");
    if (tuple->children.size() == 1 && !parens) return std::move(tuple->children[0]);
    return tuple;
  }

  // Top-level expressions of {{ }}, if and set: `a, b` makes a tuple.
  ExprPtr parse_tuple(bool with_condexpr) {
    int line = cur().line;
    ExprPtr first = parse_expression(with_condexpr);
    if (!is_op(",")) return first;
    auto t = make(ExprKind::kTuple, line);
    t->children.push_back(std::move(first));
    while (is_op(",")) {
      next();
      if (!starts_expression()) break;
      t->children.push_back(parse_expression(with_condexpr));
    }
    return t;
  }

  bool starts_expression() const {
    const Token& t = cur();
    if (t.kind == TokenKind::kName || t.kind == TokenKind::kString || t.kind == TokenKind::kInt ||
        t.kind == TokenKind::kFloat)
      return true;
    return t.kind == TokenKind::kOp &&
           (t.value == "(" || t.value == "[" || t.value == "{" || t.value == "-" || t.value == "+");
  }

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(*this);
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  ExprPtr parse_condexpr() {
    int line = cur().line;
    ExprPtr expr = parse_or();
    while (is_name("if")) {
      next();
      auto c = make(ExprKind::kCondExpr, line);
      c->children.push_back(parse_or());
      c->children.push_back(std::move(expr));
      if (is_name("else")) {
        next();
        c->children.push_back(parse_condexpr());
      } else {
        c->children.push_back(nullptr);
      }
      expr = std::move(c);
    }
    return expr;
  }

  ExprPtr binary(ExprKind kind, ExprPtr left, ExprPtr right, std::string name, int line) {
    auto e = make(kind, line);
    e->name = std::move(name);
    e->children.push_back(std::move(left));
    e->children.push_back(std::move(right));
    return e;
  }

  ExprPtr parse_or() {
    int line = cur().line;
    ExprPtr left = parse_and();
    while (is_name("or")) {
      next();
      left = binary(ExprKind::kOr, std::move(left), parse_and(), "or", line);
    }
    return left;
  }

  ExprPtr parse_and() {
    int line = cur().line;
    ExprPtr left = parse_not();
    while (is_name("and")) {
      next();
      left = binary(ExprKind::kAnd, std::move(left), parse_not(), "and", line);
    }
    return left;
  }

  ExprPtr parse_not() {
    if (is_name("not")) {
      DepthGuard guard(*this);
      auto e = make(ExprKind::kNot, cur().line);
      next();
      e->children.push_back(parse_not());
      return e;
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    int line = cur().line;
    ExprPtr first = parse_math1();
    auto cmp = make(ExprKind::kCompare, line);
    cmp->children.push_back(std::move(first));
    while (true) {
      std::string op;
      if (cur().kind == TokenKind::kOp && (cur().value == "==" || cur().value == "!=" || cur().value == "<" ||
                                           cur().value == "<=" || cur().value == ">" || cur().value == ">=")) {
        op = cur().value;
        next();
      } else if (is_name("in")) {
        op = "in";
        next();
      } else if (is_name("not") && peek().kind == TokenKind::kName && peek().value == "in") {
        op = "notin";
        next();
        next();
      } else {
        break;
      }
      cmp->ops.push_back(op);
      cmp->children.push_back(parse_math1());
    }
    if (cmp->ops.empty()) return std::move(cmp->children[0]);
    return cmp;
  }

  ExprPtr parse_math1() {
    int line = cur().line;
    ExprPtr left = parse_concat();
    while (is_op("+") || is_op("-")) {
      std::string op = cur().value;
      next();
      left = binary(ExprKind::kBinary, std::move(left), parse_concat(), op, line);
    }
    return left;
  }

  ExprPtr parse_concat() {
    int line = cur().line;
    ExprPtr first = parse_math2();
    if (!is_op("~")) return first;
    auto e = make(ExprKind::kConcat, line);
    e->children.push_back(std::move(first));
    while (is_op("~")) {
      next();
      e->children.push_back(parse_math2());
    }
    return e;
  }

  ExprPtr parse_math2() {
    int line = cur().line;
    ExprPtr left = parse_pow();
    while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
      std::string op = cur().value;
      next();
      left = binary(ExprKind::kBinary, std::move(left), parse_pow(), op, line);
    }
    return left;
  }

  ExprPtr parse_pow() {
    int line = cur().line;
    ExprPtr left = parse_unary(true);
    while (is_op("**")) {
      next();
      left = binary(ExprKind::kBinary, std::move(left), parse_unary(true), "**", line);
    }
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    int line = cur().line;
    ExprPtr node;
    if (is_op("-") || is_op("+")) {
      node = make(is_op("-") ? ExprKind::kNeg : ExprKind::kPos, line);
      next();
      node->children.push_back(parse_unary(false));
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    int line = t.line;
    if (t.kind == TokenKind::kName) {
      auto e = make(ExprKind::kLiteral, line);
      if (t.value == "true" || t.value == "True") {
        e->literal = Value::boolean(true);
      } else if (t.value == "false" || t.value == "False") {
        e->literal = Value::boolean(false);
      } else if (t.value == "none" || t.value == "None") {
        e->literal = Value::none();
      } else {
        e->kind = ExprKind::kName;
        e->name = t.value;
      }
      next();
      return e;
    }
    if (t.kind == TokenKind::kString) {
      std::string s;
      while (cur().kind == TokenKind::kString) {
        s += cur().value;
        next();
      }
      auto e = make(ExprKind::kLiteral, line);
      e->literal = Value::string(std::move(s));
      return e;
    }
    if (t.kind == TokenKind::kInt || t.kind == TokenKind::kFloat) {
      auto e = make(ExprKind::kLiteral, line);
      e->literal = t.kind == TokenKind::kInt ? Value::integer(t.int_value) : Value::floating(t.float_value);
      next();
      return e;
    }
    if (is_op("(")) {
      next();
      if (is_op(")")) {
        next();
        return make(ExprKind::kTuple, line);
      }
      ExprPtr first = parse_expression(true);
      if (is_op(")")) {
        next();
        return first;
      }
      auto tuple = make(ExprKind::kTuple, line);
      tuple->children.push_back(std::move(first));
      while (is_op(",")) {
        next();
        if (is_op(")")) break;
        tuple->children.push_back(parse_expression(true));
      }
      expect_op(")");
      return tuple;
    }
    if (is_op("[")) {
      next();
      auto list = make(ExprKind::kList, line);
      while (!is_op("]")) {
        if (!list->children.empty()) expect_op(",");
        if (is_op("]")) break;
        list->children.push_back(parse_expression(true));
      }
      next();
      return list;
    }
    if (is_op("{")) {
      next();
      auto dict = make(ExprKind::kDict, line);
      while (!is_op("}")) {
        if (!dict->children.empty()) expect_op(",");
        if (is_op("}")) break;
        dict->children.push_back(parse_expression(true));
        expect_op(":");
        dict->children.push_back(parse_expression(true));
      }
      next();
      return dict;
    }
    unexpected("an expression");
  }

  ExprPtr parse_postfix(ExprPtr node) {
    while (true) {
      int line = cur().line;
      if (is_op(".")) {
        next();
        if (cur().kind == TokenKind::kName) {
          auto e = make(ExprKind::kGetAttr, line);
          e->name = cur().value;
          e->children.push_back(std::move(node));
          node = std::move(e);
        } else if (cur().kind == TokenKind::kInt) {
          auto e = make(ExprKind::kGetItem, line);
          e->children.push_back(std::move(node));
          auto idx = make(ExprKind::kLiteral, line);
          idx->literal = Value::integer(cur().int_value);
          e->children.push_back(std::move(idx));
          node = std::move(e);
        } else {
          unexpected("an attribute name");
        }
        next();
      } else if (is_op("[")) {
        next();
        node = parse_subscript(std::move(node), line);
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr node, int line) {
    DepthGuard guard(*this);
    ExprPtr parts[3];
    int n_colons = 0;
    if (!is_op(":")) parts[0] = parse_expression(true);
    while (is_op(":") && n_colons < 2) {
      next();
      ++n_colons;
      if (!is_op(":") && !is_op("]")) parts[n_colons] = parse_expression(true);
    }
    expect_op("]");
    if (n_colons == 0) {
      auto e = make(ExprKind::kGetItem, line);
      e->children.push_back(std::move(node));
      e->children.push_back(std::move(parts[0]));
      return e;
    }
    auto e = make(ExprKind::kSlice, line);
    e->children.push_back(std::move(node));
    for (auto& p : parts) e->children.push_back(std::move(p));
    return e;
  }

  void parse_call_args(Expr& e) {
    expect_op("(");
    bool first = true;
    while (!is_op(")")) {
      if (!first) expect_op(",");
      first = false;
      if (is_op(")")) break;
      if (is_op("*") || is_op("**")) fail_at("*args and **kwargs in calls are not supported");
      if (cur().kind == TokenKind::kName && peek().kind == TokenKind::kOp && peek().value == "=") {
        std::string key = cur().value;
        next();
        next();
        e.kwargs.emplace_back(std::move(key), parse_expression(true));
      } else {
        if (!e.kwargs.empty()) fail_at("positional argument follows keyword argument");
        e.children.push_back(parse_expression(true));
      }
    }
    next();
  }

  ExprPtr parse_call(ExprPtr node) {
    DepthGuard guard(*this);
    auto e = make(ExprKind::kCall, cur().line);
    e->children.push_back(std::move(node));
    parse_call_args(*e);
    return e;
  }

  std::string parse_dotted_name() {
    std::string name = expect_name();
    while (is_op(".")) {
      next();
      name += '.';
      name += expect_name();
    }
    return name;
  }

  ExprPtr parse_filter_chain(ExprPtr node, bool leading_pipe = true) {
    bool first = true;
    while (is_op("|") || (first && !leading_pipe)) {
      if (is_op("|")) next();
      first = false;
      auto e = make(ExprKind::kFilter, cur().line);
      e->name = parse_dotted_name();
      e->children.push_back(std::move(node));
      if (is_op("(")) parse_call_args(*e);
      node = std::move(e);
    }
    return node;
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    while (true) {
      if (is_op("|")) {
        node = parse_filter_chain(std::move(node));
      } else if (is_name("is")) {
        node = parse_test(std::move(node));
      } else if (is_op("(")) {
        node = parse_call(std::move(node));
      } else {
        return node;
      }
    }
  }

  ExprPtr parse_test(ExprPtr node) {
    DepthGuard guard(*this);
    auto e = make(ExprKind::kTest, cur().line);
    next();  // is
    if (is_name("not")) {
      next();
      e->negated = true;
    }
    e->name = parse_dotted_name();
    e->children.push_back(std::move(node));
    const Token& t = cur();
    if (is_op("(")) {
      parse_call_args(*e);
    } else if ((t.kind == TokenKind::kName || t.kind == TokenKind::kString || t.kind == TokenKind::kInt ||
                t.kind == TokenKind::kFloat || is_op("[") || is_op("{")) &&
               !is_name("else") && !is_name("or") && !is_name("and")) {
      if (is_name("is")) fail_at("You cannot chain multiple tests with is");
      ExprPtr arg = parse_primary();
      e->children.push_back(parse_postfix(std::move(arg)));
    }
    return e;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  std::uint32_t max_depth_;
  std::uint32_t depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

Body parse_template(std::string_view source, std::uint32_t max_depth) {
  return Parser(tokenize(source), max_depth).parse_all();
}

}  // namespace servir::jinja
