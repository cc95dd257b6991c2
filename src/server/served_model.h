// What the protocol layer knows about the model it serves: the names clients
// may ask for, the tokenizer and chat template, and the limits every request
// is checked against. Built once by `servir serve`, read-only afterwards, so
// request parsing may run on many I/O threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/chat_template/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace servir::server {

struct ProtocolLimits {
  std::int64_t max_model_len = 2048;   // prompt + completion tokens of one sequence
  std::int64_t max_prompt_tokens = 0;  // 0: max_model_len - 1
  int max_tokens_cap = 0;              // largest max_tokens accepted; 0: no cap but the context
  int max_n = 16;                      // choices per prompt
  int max_prompts = 64;                // prompts in one /v1/completions request
  int max_stop_strings = 32;
  int max_stop_string_bytes = 1024;
  int max_logit_bias = 1024;  // entries
  int max_json_depth = 64;    // nesting of the request body
  // max_tokens when a /v1/completions request leaves it out: OpenAI's
  // documented default is 16 and clients rely on it; 0 picks the remaining
  // context as /v1/chat/completions always does.
  int completions_default_max_tokens = 16;
};

struct ServedModel {
  // Names a request's "model" may carry; names[0] is listed first by
  // /v1/models. Non-empty.
  std::vector<std::string> names;
  const Tokenizer* tokenizer = nullptr;         // required; outlives every request
  const ChatTemplate* chat_template = nullptr;  // null: chat requests answer 400
  ProtocolLimits limits;
  std::int64_t created_unix_s = 0;  // "created" of /v1/models (server start)
  // The clock strftime_now() reads in templates; empty: the system clock.
  ChatTemplateClock template_clock;

  bool serves(std::string_view name) const;
};

}  // namespace servir::server
