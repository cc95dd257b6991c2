// Parses and renders arbitrary template text with a small fixed context.
// Tight limits keep every input fast; the fuzzer looks for crashes, leaks,
// sanitizer reports and hangs, not for limit errors (those are expected).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tokenizer/chat_template/chat_template.h"

namespace {

const nlohmann::ordered_json& context() {
  static const nlohmann::ordered_json kContext = nlohmann::ordered_json::parse(R"({
    "bos_token": "<s>", "eos_token": "</s>", "add_generation_prompt": true,
    "messages": [
      {"role": "system", "content": "Be brief.\nÉté 🤖"},
      {"role": "user", "content": "What's the weather in Paris?"},
      {"role": "assistant", "content": "", "tool_calls": [{"id": "call_1", "type": "function",
        "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": [1, 2.5, null, true]}}}]},
      {"role": "tool", "tool_call_id": "call_1", "content": "{\"temperature\": 18}"}
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]
  })");
  return kContext;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  servir::ChatTemplateLimits limits;
  limits.max_template_bytes = 64 << 10;
  limits.max_loop_iterations = 20'000;
  limits.max_output_bytes = 1 << 20;
  limits.max_value_size = 1 << 20;
  limits.max_work_units = 2'000'000;
  std::string_view source(reinterpret_cast<const char*>(data), size);
  auto tmpl = servir::ChatTemplate::parse(source, limits);
  if (!tmpl.ok()) return 0;
  auto out = tmpl->render(context(), servir::fixed_chat_template_clock(2026, 11, 21, 10, 30, 0));
  (void)out;
  return 0;
}
