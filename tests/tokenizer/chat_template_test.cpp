// Unit tests of the chat-template interpreter's language pieces. Expected
// outputs were produced by Python Jinja2 3.1.6 in transformers' environment
// (trim_blocks, lstrip_blocks, loopcontrols, json.dumps tojson).
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_paths.h"
#include "tokenizer/chat_template/chat_template.h"

namespace servir {
namespace {

const char* kMessages = R"({"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Héllo"}],
                            "n": 5})";

Result<std::string> try_render(std::string_view source, const char* context = kMessages,
                               const ChatTemplateLimits& limits = {}) {
  auto tmpl = ChatTemplate::parse(source, limits);
  if (!tmpl.ok()) return tmpl.status();
  return tmpl->render(nlohmann::ordered_json::parse(context), fixed_chat_template_clock(2026, 11, 21, 10, 30, 0));
}

std::string render(std::string_view source, const char* context = kMessages) {
  auto out = try_render(source, context);
  EXPECT_TRUE(out.ok()) << out.status().to_string();
  return out.ok() ? *out : "<error>";
}

Status render_error(std::string_view source, const ChatTemplateLimits& limits = {}) {
  auto out = try_render(source, kMessages, limits);
  EXPECT_FALSE(out.ok()) << "rendered: " << *out;
  return out.ok() ? Status() : out.status();
}

TEST(ChatTemplateWhitespace, TrimAndLstripBlocks) {
  EXPECT_EQ(
      render("{% if true %}\n  {{ \"a\" }}\n{% endif %}\n    {% for x in [1,2] %}\n    {{ x }}\n    {% endfor %}\nend"),
      "  a\n    1\n    2\nend");
  // One trailing newline of the source is dropped (keep_trailing_newline=False).
  EXPECT_EQ(render("a\n"), "a");
  EXPECT_EQ(render("a\n\n"), "a\n");
}

TEST(ChatTemplateWhitespace, MinusAndPlusControl) {
  EXPECT_EQ(render("text   {%- if true -%}   inner   {%- endif -%}   tail"), "textinnertail");
  EXPECT_EQ(render("  {# c #}\nx\n  {#- c -#}\n  y"), "xy");
  EXPECT_EQ(render("line\n  {%+ if true %}keep{% endif %}\n\t{% if true %}tab{% endif %}\n{% raw -%}\n  {{ raw }}\n  "
                   "{%- endraw %}\nafter"),
            "line\n  keeptab{{ raw }}after");
  EXPECT_EQ(render("a {{- ' b ' -}} c"), "a b c");
  // lstrip_blocks does not apply to {{ }}, trim_blocks does not remove the newline after }}.
  EXPECT_EQ(render("  {{ 'x' }}\ny"), "  x\ny");
}

TEST(ChatTemplateLoops, LoopVariables) {
  EXPECT_EQ(render("{% for x in [10, 20, 30] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
                   "{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.previtem }}{{ loop.nextitem }}"
                   "{{ loop.cycle('a','b') }} {% endfor %}"),
            "1032TrueFalse320a 2121FalseFalse31030b 3210FalseTrue320a ");
}

TEST(ChatTemplateLoops, FilterElseBreakContinue) {
  EXPECT_EQ(render("{% for x in [1, 2, 3, 4] if x is even %}{{ x }}/{{ loop.length }} {% else %}none{% endfor %}"
                   "{% for x in [] %}{% else %}empty{% endfor %}"),
            "2/2 4/2 empty");
  EXPECT_EQ(render("{% for i in range(10) %}{% if i == 2 %}{% continue %}{% endif %}{% if i == 5 %}{% break %}"
                   "{% endif %}{{ i }}{% endfor %}"),
            "0134");
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"), "a=1;b=2;");
}

TEST(ChatTemplateLoops, SetInsideLoopDoesNotLeak) {
  EXPECT_EQ(render("{% set c = 0 %}{% for x in [1, 2, 3] %}{% set c = c + x %}{{ c }}{% endfor %}{{ c }}"), "1230");
}

TEST(ChatTemplateMacros, DefaultsKeywordsRecursionCaller) {
  EXPECT_EQ(render("{% macro m(a, b=2, c='x') %}{{ a }}-{{ b }}-{{ c }}{% endmacro %}{{ m(1) }}|{{ m(1, 3) }}|"
                   "{{ m(1, c='z') }}|{{ m() }}"),
            "1-2-x|1-3-x|1-2-z|-2-x");
  EXPECT_EQ(render("{% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}"
                   "{{ fact(5) }}"),
            "120");
  EXPECT_EQ(render("{% macro outer() %}[{{ caller() }}]{% endmacro %}{% call outer() %}inside{% endcall %}"),
            "[inside]");
}

TEST(ChatTemplateNamespaces, AttributeAssignmentPersistsAcrossLoops) {
  EXPECT_EQ(render("{% set ns = namespace(total=0, seen=[]) %}{% for x in [1, 2, 3] %}"
                   "{% set ns.total = ns.total + x %}{% set ns.seen = ns.seen + [x] %}{% endfor %}"
                   "{{ ns.total }} {{ ns.seen }}"),
            "6 [1, 2, 3]");
  EXPECT_FALSE(try_render("{% set x = 1 %}{% set x.y = 2 %}").ok());
}

TEST(ChatTemplateExpressions, SlicingByCodePoint) {
  EXPECT_EQ(render("{% set s = \"héllo wörld\" %}{{ s[1:4] }}|{{ s[::-1] }}|{{ s[-3:] }}|{{ [1, 2, 3, 4, 5][1::2] }}|"
                   "{{ [1, 2, 3][::-1] }}|{{ s[100:] }}|"),
            "éll|dlröw olléh|rld|[2, 4]|[3, 2, 1]||");
}

TEST(ChatTemplateExpressions, PythonReprAndArithmetic) {
  EXPECT_EQ(render("{{ [1, 'a', none, true, 1.0, (1,), {'k': \"it's\"}] }}|{{ none }}|{{ true }}|{{ 1e16 }}|"
                   "{{ 0.1 + 0.2 }}|{{ 7 / 2 }}|{{ 6 / 3 }}|{{ 7 // 2 }}|{{ -7 % 3 }}|{{ 2 ** 10 }}|"
                   "{{ \"a\" ~ 1 ~ none }}"),
            "[1, 'a', None, True, 1.0, (1,), {'k': \"it's\"}]|None|True|1e+16|0.30000000000000004|3.5|2.0|3|2|1024|"
            "a1None");
  EXPECT_EQ(render("{{ 1 < n < 10 }}|{{ 'é' in messages[1].content }}|{{ 3 not in [1, 2] }}|{{ none or 'd' }}|"
                   "{{ 'y' if n > 9 else 'n' }}"),
            "True|True|True|d|n");
}

TEST(ChatTemplateTojson, MatchesPythonJsonDumps) {
  EXPECT_EQ(render("{{ {\"b\": 1, \"a\": [1.0, 0.1, 1e-05, none, true, \"é\\n\\\"x\\\"\"]}|tojson }}"),
            "{\"b\": 1, \"a\": [1.0, 0.1, 1e-05, null, true, \"é\\n\\\"x\\\"\"]}");
  EXPECT_EQ(render("{{ {\"b\": 1, \"a\": [1, {\"c\": []}]}|tojson(indent=2) }}"),
            "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    {\n      \"c\": []\n    }\n  ]\n}");
  EXPECT_EQ(render("{{ {\"b\": 1, \"a\": 2}|tojson(separators=(\",\", \":\"), sort_keys=true) }}|"
                   "{{ \"é🤖\"|tojson(ensure_ascii=true) }}"),
            "{\"a\":2,\"b\":1}|\"\\u00e9\\ud83e\\udd16\"");
  // A generator (map/select result) is not JSON serializable, as in Python.
  EXPECT_FALSE(try_render("{{ [1]|map('string')|tojson }}").ok());
}

TEST(ChatTemplateMethods, StringMethods) {
  EXPECT_EQ(render("{{ \"  Hi There  \".strip() }}|{{ \"a,b,,c\".split(\",\") }}|{{ \" a  b \".split() }}|"
                   "{{ \"xxhixx\".strip(\"x\") }}|{{ \"hello world\".title() }}|{{ \"hello\".startswith(\"he\") }}|"
                   "{{ \"hello\".endswith((\"x\", \"lo\")) }}|{{ \"héllo\".find(\"l\") }}|"
                   "{{ \"hello\".replace(\"l\", \"L\", 1) }}|{{ \"a b c\".rsplit(\" \", 1) }}|"
                   "{{ \"{} and {name}\".format(1, name=\"x\") }}"),
            "Hi There|['a', 'b', '', 'c']|['a', 'b']|hi|Hello World|True|True|2|heLlo|['a b', 'c']|1 and x");
}

TEST(ChatTemplateFilters, CommonFilters) {
  EXPECT_EQ(
      render("{{ messages|selectattr(\"role\", \"equalto\", \"user\")|map(attribute=\"content\")|join(\",\") }}|"
             "{{ messages|map(attribute=\"role\")|list }}|{{ [3, 1, 2]|sort }}|{{ {\"b\": 1, \"a\": 2}|dictsort }}|"
             "{{ [1, 2, 2, 3]|unique|list }}|{{ \"x\"|center(5) }}|{{ \"%s=%d\"|format(\"a\", 3) }}|"
             "{{ \"a\\nb\"|indent(2, true) }}"),
      "Héllo|['system', 'user']|[1, 2, 3]|[('a', 2), ('b', 1)]|[1, 2, 3]|  x  |a=3|  a\n  b");
  EXPECT_EQ(render("{% filter upper %}abc{% endfilter %}|{% set x %} cap {% endset %}[{{ x|trim }}]"), "ABC|[cap]");
  EXPECT_EQ(render("{% generation %}kept{% endgeneration %}"), "kept");
}

TEST(ChatTemplateUndefined, BehavesLikeJinja2DefaultUndefined) {
  EXPECT_EQ(render("[{{ undefined_thing }}]|{{ undefined_thing is defined }}|{{ undefined_thing|default(\"d\") }}|"
                   "{{ \"\"|default(\"e\", true) }}|{{ undefined_thing|length }}|"
                   "{% for x in undefined_thing %}never{% endfor %}"),
            "[]|False|d|e|0|");
  EXPECT_EQ(render("[{{ messages[0].missing }}]"), "[]");
  Status s = render_error("\n{{ undefined_thing.attr }}");
  EXPECT_NE(s.message().find("line 2"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("'undefined_thing' is undefined"), std::string::npos) << s.message();
  EXPECT_FALSE(try_render("{{ undefined_thing + 1 }}").ok());
}

TEST(ChatTemplateErrors, SyntaxErrorsCarryTheLine) {
  auto parsed = ChatTemplate::parse("line one\n{% if true %}\n{{ 1 + }}\n{% endif %}");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("line 3"), std::string::npos) << parsed.status().message();

  auto unclosed = ChatTemplate::parse("a\n\n{% for x in y %}never closed");
  ASSERT_FALSE(unclosed.ok());
  EXPECT_NE(unclosed.status().message().find("endfor"), std::string::npos) << unclosed.status().message();

  auto unknown = ChatTemplate::parse("{% include 'x' %}");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown tag 'include'"), std::string::npos);
  EXPECT_FALSE(ChatTemplate::parse("{% break %}").ok());
  EXPECT_FALSE(ChatTemplate::parse("{{ 'unterminated }}").ok());
  EXPECT_FALSE(ChatTemplate::parse("{{ (1 }}").ok());
}

TEST(ChatTemplateErrors, RaiseExceptionMessageAndLine) {
  Status s = render_error("a\nb\n{{ raise_exception('Conversation roles must alternate') }}");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "chat template line 3: Conversation roles must alternate");
}

TEST(ChatTemplateErrors, ImmutableSandboxRefusesMutation) {
  Status s = render_error("{% set l = [] %}{% set _ = l.append(1) %}");
  EXPECT_NE(s.message().find("unsafe"), std::string::npos) << s.message();
}

TEST(ChatTemplateClock, StrftimeNowUsesTheInjectedClock) {
  EXPECT_EQ(render("{{ strftime_now('%Y-%m-%d %H:%M:%S %A %d %b') }}"), "2026-11-21 10:30:00 Saturday 21 Nov");
}

TEST(ChatTemplateSandbox, LoopIterationLimit) {
  ChatTemplateLimits limits;
  limits.max_loop_iterations = 10'000;
  Status s = render_error(
      "{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}x{% endfor %}"
      "{% endfor %}{% endfor %}",
      limits);
  EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(s.message().find("max_loop_iterations"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("line 1"), std::string::npos) << s.message();
}

TEST(ChatTemplateSandbox, RecursionDepthLimit) {
  Status s = render_error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(s.message().find("max_call_depth"), std::string::npos) << s.message();

  std::string deep(5000, '(');
  auto parsed = ChatTemplate::parse("{{ " + deep + "1" + std::string(5000, ')') + " }}");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::kResourceExhausted);

  std::string nested;
  for (int i = 0; i < 500; ++i) nested += "{% if true %}";
  EXPECT_FALSE(ChatTemplate::parse(nested).ok());
}

TEST(ChatTemplateSandbox, OutputAndValueSizeLimits) {
  ChatTemplateLimits limits;
  limits.max_output_bytes = 1 << 20;
  Status s = render_error("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", limits);
  EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(s.message().find("max_output_bytes"), std::string::npos) << s.message();

  Status big = render_error("{{ 'x' * 1000000000 }}");
  EXPECT_EQ(big.code(), ErrorCode::kResourceExhausted);
  Status huge_join = render_error("{% set s = 'x' * 1000000 %}{{ ([s] * 10000)|join }}");
  EXPECT_EQ(huge_join.code(), ErrorCode::kResourceExhausted);
  EXPECT_EQ(render_error("{{ range(1000000)|list }}").code(), ErrorCode::kInvalidArgument);  // Jinja2's MAX_RANGE
}

TEST(ChatTemplateSandbox, WorkBudgetStopsSlowTemplates) {
  ChatTemplateLimits limits;
  limits.max_work_units = 100'000;
  Status s = render_error("{% for i in range(100000) %}{% set x = [1, 2, 3]|map('string')|join %}{% endfor %}", limits);
  EXPECT_EQ(s.code(), ErrorCode::kResourceExhausted);
}

TEST(ChatTemplateLoader, TokenizerConfigForms) {
  auto single = nlohmann::ordered_json::parse(R"({"chat_template": "{{ 1 }}"})");
  EXPECT_EQ(*chat_template_from_tokenizer_config(single), "{{ 1 }}");
  auto named = nlohmann::ordered_json::parse(
      R"({"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]})");
  EXPECT_EQ(*chat_template_from_tokenizer_config(named), "D");
  EXPECT_EQ(*chat_template_from_tokenizer_config(named, "tool_use"), "T");
  auto missing = chat_template_from_tokenizer_config(named, "rag");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.status().message().find("tool_use"), std::string::npos);
  EXPECT_FALSE(chat_template_from_tokenizer_config(nlohmann::ordered_json::parse("{}")).ok());

  testing::TempDir dir;
  testing::write_file(dir / "tokenizer_config.json", named.dump());
  testing::write_file(dir / "t.jinja", "{{ 'x' }}");
  EXPECT_EQ(*read_chat_template_file(dir / "tokenizer_config.json", "tool_use"), "T");
  EXPECT_EQ(*read_chat_template_file(dir / "t.jinja"), "{{ 'x' }}");
  EXPECT_FALSE(read_chat_template_file(dir / "absent.jinja").ok());
}

TEST(ChatTemplateApi, PlainJsonContextAndBadContext) {
  auto tmpl = ChatTemplate::parse("{{ messages[0].content }}");
  ASSERT_TRUE(tmpl.ok());
  EXPECT_EQ(*tmpl->render(nlohmann::json::parse(R"({"messages": [{"content": "x"}]})")), "x");
  EXPECT_FALSE(tmpl->render(nlohmann::ordered_json::array()).ok());
}

}  // namespace
}  // namespace servir
