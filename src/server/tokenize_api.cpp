#include "server/tokenize_api.h"

#include <fmt/format.h>

#include "server/chat_prompt.h"
#include "server/request_fields.h"

#ifndef SERVIR_VERSION
#define SERVIR_VERSION "unknown"
#endif

namespace servir::server {
namespace {

// "model" is optional on these endpoints (vLLM's are too), but a wrong one
// is still a wrong one.
void check_model(RequestFields& f, const ServedModel& model) {
  if (auto name = f.string("model"); name && !model.serves(*name)) {
    f.fail(api_error(make_error(ErrorCode::kNotFound, "The model '{}' does not exist.", *name),
                     {.param = "model", .code = api_code::kModelNotFound}));
  }
}

}  // namespace

const char* servir_version() { return SERVIR_VERSION; }

ApiResult<nlohmann::json> tokenize_response(const nlohmann::ordered_json& body, const ServedModel& model) {
  CHECK(model.tokenizer != nullptr) << "ServedModel without a tokenizer";
  RequestFields f(body);
  check_model(f, model);
  const auto* prompt = f.raw("prompt");
  const auto* messages = f.raw("messages");
  const auto add_special = f.boolean("add_special_tokens");
  const bool return_strs = f.boolean("return_token_strs").value_or(false);
  ChatPromptOptions options;
  options.add_generation_prompt = f.boolean("add_generation_prompt").value_or(true);
  options.continue_final_message = f.boolean("continue_final_message").value_or(false);
  options.chat_template_kwargs = f.raw("chat_template_kwargs");
  if ((prompt == nullptr) == (messages == nullptr)) f.invalid("prompt", "Give exactly one of 'prompt' or 'messages'.");
  if (prompt != nullptr && !prompt->is_string()) f.invalid("prompt", "'prompt' must be a string.");
  if (f.failed()) return f.error();

  std::string text;
  std::vector<std::pair<std::size_t, std::size_t>> literal_ranges;
  if (messages != nullptr) {
    auto rendered = render_chat_prompt(*messages, options, model);
    if (!rendered) return rendered.error();
    text = std::move(rendered->text);
    literal_ranges = std::move(rendered->literal_ranges);
  } else {
    text = prompt->get<std::string>();
  }
  // The chat template writes BOS itself; a raw prompt gets the model's.
  const bool special = add_special.value_or(messages == nullptr);
  const auto ids =
      model.tokenizer->encode(text, {.add_special = special, .parse_special = true, .literal_ranges = &literal_ranges});
  nlohmann::json out = {{"count", ids.size()}, {"max_model_len", model.limits.max_model_len}, {"tokens", ids}};
  if (return_strs) {
    nlohmann::json strs = nlohmann::json::array();
    for (const auto id : ids) strs.push_back(std::string(model.tokenizer->token_text(id)));
    out["token_strs"] = std::move(strs);
  }
  return out;
}

ApiResult<nlohmann::json> detokenize_response(const nlohmann::ordered_json& body, const ServedModel& model) {
  CHECK(model.tokenizer != nullptr) << "ServedModel without a tokenizer";
  RequestFields f(body);
  check_model(f, model);
  const auto* tokens = f.raw("tokens");
  if (tokens == nullptr) f.invalid("tokens", "'tokens' is required.");
  if (f.failed()) return f.error();
  if (!tokens->is_array())
    return api_error(Status(ErrorCode::kInvalidArgument, "'tokens' must be a list of token ids."), {.param = "tokens"});
  std::vector<TokenId> ids;
  ids.reserve(tokens->size());
  const auto vocab = static_cast<std::int64_t>(model.tokenizer->n_tokens());
  for (const auto& v : *tokens) {
    const auto id = v.is_number() ? json_integer(v) : std::nullopt;
    if (!id || *id < 0 || *id >= vocab) {
      return api_error(make_error(ErrorCode::kInvalidArgument, "'tokens' holds {}, which is not a token id in [0, {}).",
                                  v.dump(), vocab),
                       {.param = "tokens"});
    }
    ids.push_back(static_cast<TokenId>(*id));
  }
  return nlohmann::json{{"prompt", model.tokenizer->decode(ids)}};
}

nlohmann::json models_response(const ServedModel& model) {
  nlohmann::json data = nlohmann::json::array();
  for (const auto& name : model.names) {
    data.push_back({{"id", name},
                    {"object", "model"},
                    {"created", model.created_unix_s},
                    {"owned_by", "servir"},
                    {"root", model.names.front()},
                    {"parent", nullptr},
                    {"max_model_len", model.limits.max_model_len}});
  }
  return {{"object", "list"}, {"data", std::move(data)}};
}

nlohmann::json version_response() { return {{"version", servir_version()}}; }

}  // namespace servir::server
