// The small JSON endpoints beside the OpenAI ones:
//   POST /tokenize    {"model"?, "prompt": "..."} or {"model"?, "messages": [...],
//                     "add_generation_prompt"?, "continue_final_message"?,
//                     "chat_template_kwargs"?}, "add_special_tokens"?
//                     -> {"count", "max_model_len", "tokens": [ids]}
//                     (vLLM's shape; "token_strs" too when "return_token_strs")
//   POST /detokenize  {"model"?, "tokens": [ids]} -> {"prompt": "..."}
//   GET  /v1/models   {"object": "list", "data": [{"id", "object": "model",
//                     "created", "owned_by": "servir", "max_model_len"}]}
//   GET  /version     {"version": "..."}
// "model", when given, must be a served name (404 model_not_found).
// add_special_tokens defaults to true for a prompt and false for messages
// (the chat template writes BOS itself), as in vLLM.
#pragma once

#include <nlohmann/json.hpp>

#include "server/api_error.h"
#include "server/served_model.h"

namespace servir::server {

ApiResult<nlohmann::json> tokenize_response(const nlohmann::ordered_json& body, const ServedModel& model);
ApiResult<nlohmann::json> detokenize_response(const nlohmann::ordered_json& body, const ServedModel& model);
nlohmann::json models_response(const ServedModel& model);
nlohmann::json version_response();

// The servir version string ("0.1.0"), from the build.
const char* servir_version();

}  // namespace servir::server
