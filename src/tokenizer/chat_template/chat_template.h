// Hugging Face chat templates: a sandboxed Jinja2 interpreter that renders
// like Python Jinja2 3.1 in the environment of transformers'
// apply_chat_template (trim_blocks, lstrip_blocks, loopcontrols, tojson as
// json.dumps(ensure_ascii=False), raise_exception, strftime_now, and the
// {% generation %} tag). Lists and dicts of the context are immutable, as in
// ImmutableSandboxedEnvironment: `.append()` fails like it does there.
//
// Templates are untrusted input. Parsing and rendering never crash, never
// loop forever and never allocate without bound: ChatTemplateLimits bounds
// every dimension, and every error is a Status whose message starts with the
// template line ("chat template line 12: ..."). raise_exception(msg) fails
// the render with kInvalidArgument and `msg` in the message; a limit fails it
// with kResourceExhausted.
//
// Thread-safety: a parsed ChatTemplate is immutable; render() may run on many
// threads at once.
//
//   auto tmpl = ChatTemplate::parse(source);
//   auto prompt = tmpl->render(nlohmann::ordered_json{{"messages", msgs}, {"add_generation_prompt", true}});
#pragma once

#include <ctime>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tokenizer/chat_template/limits.h"
#include "util/status.h"

namespace servir {

namespace jinja {
struct Program;
}

// The local time that strftime_now() formats. Injectable so that renders are
// reproducible in tests.
using ChatTemplateClock = std::function<std::tm()>;
ChatTemplateClock system_chat_template_clock();
// Always returns the given local time (month 1-12); weekday and day of year
// are derived.
ChatTemplateClock fixed_chat_template_clock(int year, int month, int day, int hour, int minute, int second);

class ChatTemplate {
 public:
  // Fails with the line of the first syntax error, or when the source is
  // larger or deeper than `limits` allow.
  static Result<ChatTemplate> parse(std::string_view source, const ChatTemplateLimits& limits = {});

  // `context` must be an object; its keys become the template's variables
  // (messages, tools, add_generation_prompt, bos_token, ...). Use
  // ordered_json to keep key order: templates that print dicts or tojson
  // them show keys in insertion order, as Python does. A plain json
  // context has its keys sorted.
  Result<std::string> render(const nlohmann::ordered_json& context) const;
  Result<std::string> render(const nlohmann::ordered_json& context, const ChatTemplateClock& clock) const;
  Result<std::string> render(const nlohmann::json& context) const;

  const std::string& source() const { return *source_; }
  const ChatTemplateLimits& limits() const { return limits_; }

 private:
  ChatTemplate() = default;

  std::shared_ptr<const std::string> source_;
  std::shared_ptr<const jinja::Program> program_;
  ChatTemplateLimits limits_;
};

// The template text of tokenizer_config.json's "chat_template": a string, or
// the named list [{"name": "default", "template": "..."}, {"name":
// "tool_use", ...}]. An empty `name` picks "default". Fails with kNotFound
// when there is no template or no template of that name.
Result<std::string> chat_template_from_tokenizer_config(const nlohmann::ordered_json& config,
                                                        std::string_view name = {});

// A template file: a .jinja text file, or a tokenizer_config.json (by its
// .json extension), from which `name` is picked as above.
Result<std::string> read_chat_template_file(const std::filesystem::path& path, std::string_view name = {});

}  // namespace servir
