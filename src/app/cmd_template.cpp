// `servir template render (--template FILE | --model PATH) --context CONTEXT.json
//                        [--name NAME] [--now "YYYY-MM-DD HH:MM:SS"]`
//
// Writes the rendered text to stdout exactly (no added newline). When the
// template raises (raise_exception, a limit, a syntax error) the error goes
// to stderr and the exit status is 1.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/model_template.h"
#include "tokenizer/chat_template/chat_template.h"

namespace servir::app {
namespace {

namespace fs = std::filesystem;

struct TemplateOptions {
  std::string template_file;
  std::string model;
  std::string context_file;
  std::string name;
  std::string now;
};

Result<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kNotFound, "{}: cannot open", path.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<ChatTemplateClock> clock_from(const std::string& now) {
  if (now.empty()) return system_chat_template_clock();
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  if (std::sscanf(now.c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &h, &mi, &s) != 6 || mo < 1 || mo > 12 || d < 1 ||
      d > 31 || h > 23 || mi > 59 || s > 60) {
    return make_error(ErrorCode::kInvalidArgument, "--now '{}' is not \"YYYY-MM-DD HH:MM:SS\"", now);
  }
  return fixed_chat_template_clock(y, mo, d, h, mi, s);
}

}  // namespace

void register_template_command(CLI::App& app) {
  static TemplateOptions o;
  auto* group = app.add_subcommand("template", "Chat templates (Hugging Face Jinja)");
  group->require_subcommand(1);
  auto* render = group->add_subcommand("render", "Render a chat template with a JSON context");
  auto* source = render->add_option_group("source", "where the template comes from");
  source->add_option("--template", o.template_file, "A .jinja file or a tokenizer_config.json");
  source->add_option("--model", o.model, "A GGUF file, an HF folder or its tokenizer_config.json");
  source->require_option(1);
  render->add_option("--context", o.context_file, "JSON object of template variables (messages, tools, ...)")
      ->required();
  render->add_option("--name", o.name, "Named template to use (e.g. tool_use); default: the default one");
  render->add_option("--now", o.now, "Fixed time for strftime_now, \"YYYY-MM-DD HH:MM:SS\" (default: the clock)");
  render->callback([] {
    auto text =
        o.template_file.empty() ? template_of_model(o.model, o.name) : read_chat_template_file(o.template_file, o.name);
    if (!text) fail(text.status().to_string());
    auto context_text = read_text(o.context_file);
    if (!context_text) fail(context_text.status().to_string());
    auto context = nlohmann::ordered_json::parse(*context_text, nullptr, /*allow_exceptions=*/false);
    if (context.is_discarded() || !context.is_object()) fail(fmt::format("{}: not a JSON object", o.context_file));
    auto clock = clock_from(o.now);
    if (!clock) fail(clock.status().to_string());
    auto tmpl = ChatTemplate::parse(*text);
    if (!tmpl) fail(tmpl.status().to_string());
    auto rendered = tmpl->render(context, *clock);
    if (!rendered) fail(rendered.status().to_string());
    std::fwrite(rendered->data(), 1, rendered->size(), stdout);
  });
}

}  // namespace servir::app
