// Parsing and validating the bodies of POST /v1/chat/completions and
// POST /v1/completions into engine requests.
//
// Every field is type- and range-checked; a refusal is a 400 ApiError naming
// the field as the client spelled it ("temperature", "messages[2].content",
// "logit_bias"), 404 model_not_found for a model this server does not serve,
// 400 context_length_exceeded with both numbers when the prompt plus
// max_tokens cannot fit. `null` counts as absent, as in OpenAI's API.
//
// Fields nobody here acts on are accepted and listed in ignored_fields (the
// transport returns them in the X-Servir-Ignored-Fields header). Fields that
// ask for something this server cannot do are refused, never silently
// dropped: response_format json_object/json_schema, guided_* decoding,
// tools (unless tool_choice is "none", which renders the chat without them),
// functions, suffix, prompt_logprobs, logprobs with echo, audio output,
// echo on chat.
//
// Chat: messages (content a string, or a list of {"type":"text","text"}
// parts joined by "\n"; null for assistant messages) are rendered with the
// model's chat template with bos_token/eos_token, add_generation_prompt
// (default true), chat_template_kwargs merged into the context, and
// continue_final_message (render without a generation prompt and cut after
// the final message's text, as transformers does). The rendered text is
// encoded with special tokens parsed and none added (the template writes
// them), unless add_special_tokens says otherwise.
//
// Completions: "prompt" is a string, a list of strings, a list of token ids
// or a list of token-id lists; each prompt becomes one engine request with
// n choices. Text is encoded with the model's BOS (add_special_tokens,
// default true).
//
// max_tokens (or max_completion_tokens, which wins on chat) defaults to the
// remaining context on chat and to ProtocolLimits::completions_default_max_tokens
// on completions, clamped to the remaining context.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/request.h"
#include "engine/sampling_params.h"
#include "server/api_error.h"
#include "server/served_model.h"

namespace servir::server {

enum class Endpoint { kChatCompletions, kCompletions };

struct PromptInput {
  std::vector<std::int32_t> token_ids;  // non-empty, every id in the vocabulary
  // Chat: the rendered template. Completions: the prompt text (decoded when
  // it came as ids), which echo puts in front of the completion.
  std::string text;
  int max_tokens = 0;  // resolved: the request's, or the default, fits the context
};

struct ParsedRequest {
  Endpoint endpoint = Endpoint::kChatCompletions;
  std::string model;                 // as the client named it (one of ServedModel::names)
  std::vector<PromptInput> prompts;  // chat: exactly one
  SamplingParams sampling;           // shared by all prompts; max_tokens is per prompt
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  bool echo = false;           // completions only
  int priority = 0;
  std::string cache_salt;
  std::string request_id;  // the client's "request_id", "" when absent
  std::string user;
  std::vector<std::string> ignored_fields;  // unknown top-level fields, in body order

  int total_choices() const { return static_cast<int>(prompts.size()) * sampling.n; }
  // "a, b, c" for X-Servir-Ignored-Fields; "" when none.
  std::string ignored_fields_header() const;
  // One engine request per prompt, ids `base_id` (one prompt) or
  // "<base_id>-<prompt index>". The deadline is the transport's to set.
  std::vector<GenerationRequest> engine_requests(std::string_view base_id) const;
};

ApiResult<ParsedRequest> parse_chat_completion_request(const nlohmann::ordered_json& body, const ServedModel& model);
ApiResult<ParsedRequest> parse_completion_request(const nlohmann::ordered_json& body, const ServedModel& model);
ApiResult<ParsedRequest> parse_openai_request(Endpoint endpoint, const nlohmann::ordered_json& body,
                                              const ServedModel& model);

}  // namespace servir::server
