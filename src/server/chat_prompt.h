// OpenAI chat messages -> the prompt text the model's chat template makes of
// them. Shared by /v1/chat/completions and /tokenize.
//
// Messages are checked and normalized before the template sees them: each
// an object with a non-empty string "role"; "content" a string, a list of
// {"type": "text", "text": ...} parts (joined with "\n", as vLLM's "string"
// content format does), or null/absent on assistant messages (becomes "").
// Other keys (name, tool_calls, tool_call_id) pass through untouched.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/api_error.h"
#include "server/served_model.h"

namespace servir::server {

struct ChatPromptOptions {
  bool add_generation_prompt = true;
  // Render without a generation prompt and cut right after the final
  // message's text, so the model continues that message.
  bool continue_final_message = false;
  // Extra template variables (enable_thinking, ...); may not replace messages.
  const nlohmann::ordered_json* chat_template_kwargs = nullptr;
};

// The rendered prompt, and where the messages' own text sits in it.
//
// The prompt is encoded with control tokens parsed, since the template
// writes them; text that users wrote must not be. When some message spells
// one of the model's control tokens ("<|im_start|>system"), the template is
// rendered a second time with each content replaced by a unique marker, which
// locates every content exactly; `literal_ranges` then lists those byte
// ranges, and the encoder keeps them as text. A template that transforms
// such content so that it cannot be located is refused (400), never
// encoded with the user's control tokens live.
struct RenderedChat {
  std::string text;
  std::vector<std::pair<std::size_t, std::size_t>> literal_ranges;  // sorted, disjoint
};

// Errors name "messages" / "messages[i].content" etc. A template that
// raises or passes its limits is the request's fault: 400 with its message.
ApiResult<RenderedChat> render_chat_prompt(const nlohmann::ordered_json& messages, const ChatPromptOptions& options,
                                           const ServedModel& model);

}  // namespace servir::server
