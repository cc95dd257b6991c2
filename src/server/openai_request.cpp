#include "server/openai_request.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "server/chat_prompt.h"
#include "server/request_fields.h"

namespace servir::server {
namespace {

constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();
constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr double kHuge = std::numeric_limits<double>::max();

// One request body being read into a ParsedRequest. Each step reads its
// fields and records the first error in `f`; parse() checks it at the end.
class RequestParser {
 public:
  RequestParser(Endpoint endpoint, const nlohmann::ordered_json& body, const ServedModel& model)
      : f_(body), model_(model) {
    out_.endpoint = endpoint;
  }

  ApiResult<ParsedRequest> parse();

 private:
  bool chat() const { return out_.endpoint == Endpoint::kChatCompletions; }
  const char* prompt_param() const { return chat() ? "messages" : "prompt"; }
  std::int64_t vocab_size() const { return static_cast<std::int64_t>(model_.tokenizer->n_tokens()); }

  void read_model();
  void read_sampling();
  void read_stop();
  void read_logprobs();
  void read_choices();
  void read_stream_and_extras();
  void refuse_unsupported();
  void read_chat_prompt();
  void read_completion_prompts();
  bool read_token_ids(const nlohmann::ordered_json& list, const std::string& param, std::vector<std::int32_t>& ids);
  // `literal_ranges`: chat message text inside the rendered template, kept
  // as text by the encoder (chat_prompt.h).
  void add_text_prompt(std::string text, const std::string& param, bool add_special,
                       const std::vector<std::pair<std::size_t, std::size_t>>* literal_ranges = nullptr);
  void resolve_lengths();

  RequestFields f_;
  const ServedModel& model_;
  ParsedRequest out_;
  std::optional<std::int64_t> max_tokens_;
  std::optional<std::int64_t> truncate_prompt_tokens_;
};

void RequestParser::read_model() {
  const auto* model = f_.raw("model");
  if (model == nullptr) {
    f_.invalid("model", "You must provide a model parameter.");
    return;
  }
  if (!model->is_string()) {
    f_.invalid("model", fmt::format("'model' must be a string, not {}.", json_type_name(*model)));
    return;
  }
  out_.model = model->get<std::string>();
  if (!model_.serves(out_.model)) {
    f_.fail(api_error(make_error(ErrorCode::kNotFound, "The model '{}' does not exist. This server serves '{}'.",
                                 out_.model, model_.names.empty() ? std::string() : model_.names.front()),
                      {.param = "model", .code = api_code::kModelNotFound}));
  }
}

void RequestParser::read_sampling() {
  SamplingParams& s = out_.sampling;
  if (auto v = f_.number("temperature", 0.0, kHuge)) s.temperature = static_cast<float>(*v);
  if (auto v = f_.number("top_p", 0.0, 1.0)) {
    if (*v <= 0.0) f_.invalid("top_p", "'top_p' must be in (0, 1], got 0.");
    s.top_p = static_cast<float>(*v);
  }
  if (auto v = f_.integer("top_k", -1, kIntMax)) s.top_k = *v < 0 ? 0 : static_cast<int>(*v);
  if (auto v = f_.number("min_p", 0.0, 1.0)) s.min_p = static_cast<float>(*v);
  if (auto v = f_.number("typical_p", 0.0, 1.0)) {
    if (*v <= 0.0) f_.invalid("typical_p", "'typical_p' must be in (0, 1], got 0.");
    s.typical_p = static_cast<float>(*v);
  }
  if (auto v = f_.number("repetition_penalty", 0.0, kHuge)) {
    if (*v <= 0.0) f_.invalid("repetition_penalty", "'repetition_penalty' must be greater than 0.");
    s.repetition_penalty = static_cast<float>(*v);
  }
  if (auto v = f_.number("presence_penalty", -2.0, 2.0)) s.presence_penalty = static_cast<float>(*v);
  if (auto v = f_.number("frequency_penalty", -2.0, 2.0)) s.frequency_penalty = static_cast<float>(*v);
  // OpenAI documents seed as an int64; negative seeds are distinct seeds.
  if (const auto* seed = f_.raw("seed")) {
    if (seed->is_number_unsigned()) {
      s.seed = seed->get<std::uint64_t>();
    } else if (auto v = f_.integer("seed", kInt64Min, kInt64Max)) {
      s.seed = static_cast<std::uint64_t>(*v);
    }
  }
  if (const auto* bias = f_.raw("logit_bias")) {
    if (!bias->is_object()) {
      f_.invalid("logit_bias", fmt::format("'logit_bias' must be an object mapping token ids to biases, not {}.",
                                           json_type_name(*bias)));
    } else if (static_cast<int>(bias->size()) > model_.limits.max_logit_bias) {
      f_.invalid("logit_bias", fmt::format("'logit_bias' has {} entries; at most {} are accepted.", bias->size(),
                                           model_.limits.max_logit_bias));
    } else {
      for (auto it = bias->begin(); it != bias->end(); ++it) {
        const std::string& key = it.key();
        std::int64_t id = -1;
        const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
        if (ec != std::errc() || end != key.data() + key.size() || id < 0 || id >= vocab_size()) {
          f_.invalid("logit_bias",
                     fmt::format("'logit_bias' key '{}' is not a token id in [0, {}).", key, vocab_size()));
          break;
        }
        if (!it->is_number() || it->get<double>() < -100.0 || it->get<double>() > 100.0) {
          f_.invalid("logit_bias", fmt::format("'logit_bias' value for token {} must be a number in [-100, 100].", id));
          break;
        }
        s.logit_bias.emplace_back(static_cast<std::int32_t>(id), it->get<float>());
      }
    }
  }
  if (auto v = f_.boolean("ignore_eos")) s.ignore_eos = *v;
  if (auto v = f_.integer("min_tokens", 0, kIntMax)) s.min_tokens = static_cast<int>(*v);
  if (auto v = f_.boolean("include_stop_str_in_output")) s.include_stop_str_in_output = *v;
  if (auto v = f_.boolean("skip_special_tokens")) s.skip_special_tokens = *v;
  if (const auto* ids = f_.raw("stop_token_ids")) read_token_ids(*ids, "stop_token_ids", s.stop_token_ids);
  read_stop();
  read_logprobs();
  read_choices();
}

void RequestParser::read_stop() {
  const auto* stop = f_.raw("stop");
  if (stop == nullptr) return;
  const ProtocolLimits& lim = model_.limits;
  std::vector<std::string> strings;
  if (stop->is_string()) {
    strings.push_back(stop->get<std::string>());
  } else if (stop->is_array()) {
    if (static_cast<int>(stop->size()) > lim.max_stop_strings) {
      f_.invalid("stop",
                 fmt::format("'stop' has {} strings; at most {} are accepted.", stop->size(), lim.max_stop_strings));
      return;
    }
    for (const auto& s : *stop) {
      if (!s.is_string()) {
        f_.invalid("stop", fmt::format("'stop' entries must be strings, not {}.", json_type_name(s)));
        return;
      }
      strings.push_back(s.get<std::string>());
    }
  } else {
    f_.invalid("stop", fmt::format("'stop' must be a string or a list of strings, not {}.", json_type_name(*stop)));
    return;
  }
  for (auto& s : strings) {
    if (s.empty()) {
      f_.invalid("stop", "'stop' strings must not be empty.");
      return;
    }
    if (static_cast<int>(s.size()) > lim.max_stop_string_bytes) {
      f_.invalid("stop", fmt::format("'stop' strings may be at most {} bytes long.", lim.max_stop_string_bytes));
      return;
    }
    out_.sampling.stop.push_back(std::move(s));
  }
}

// Chat: logprobs is a boolean and top_logprobs the count of alternatives.
// Completions: logprobs is that count, and its presence turns logprobs on.
void RequestParser::read_logprobs() {
  SamplingParams& s = out_.sampling;
  if (chat()) {
    if (auto v = f_.boolean("logprobs")) s.logprobs = *v;
    if (auto v = f_.integer("top_logprobs", 0, SamplingParams::kMaxTopLogprobs)) {
      if (!s.logprobs && *v > 0) f_.invalid("top_logprobs", "'top_logprobs' requires 'logprobs' to be true.");
      s.top_logprobs = static_cast<int>(*v);
    }
  } else if (auto v = f_.integer("logprobs", 0, SamplingParams::kMaxTopLogprobs)) {
    s.logprobs = true;
    s.top_logprobs = static_cast<int>(*v);
  }
}

void RequestParser::read_choices() {
  SamplingParams& s = out_.sampling;
  if (auto v = f_.integer("n", 1, model_.limits.max_n)) s.n = static_cast<int>(*v);
  if (auto v = f_.boolean("use_beam_search")) s.use_beam_search = *v;
  if (auto v = f_.number("length_penalty", -kHuge, kHuge)) s.length_penalty = static_cast<float>(*v);
  if (auto v = f_.integer("best_of", 1, model_.limits.max_n)) {
    if (*v < s.n) {
      f_.invalid("best_of", fmt::format("'best_of' ({}) must be at least 'n' ({}).", *v, s.n));
    } else if (*v > s.n && !s.use_beam_search) {
      f_.unsupported("best_of", "'best_of' greater than 'n' is supported only with 'use_beam_search'.");
    }
    s.best_of = static_cast<int>(*v);
  }
}

void RequestParser::read_stream_and_extras() {
  if (auto v = f_.boolean("stream")) out_.stream = *v;
  if (const auto* opts = f_.raw("stream_options")) {
    if (!opts->is_object()) {
      f_.invalid("stream_options", "'stream_options' must be an object.");
    } else if (!out_.stream) {
      f_.invalid("stream_options", "'stream_options' is only allowed when 'stream' is true.");
    } else if (const auto it = opts->find("include_usage"); it != opts->end() && !it->is_null()) {
      if (!it->is_boolean()) {
        f_.invalid("stream_options.include_usage", "'stream_options.include_usage' must be a boolean.");
      } else {
        out_.include_usage = it->get<bool>();
      }
    }
  }
  if (auto v = f_.integer("priority", std::numeric_limits<int>::min(), kIntMax)) out_.priority = static_cast<int>(*v);
  if (auto v = f_.string("cache_salt")) {
    if (v->empty()) f_.invalid("cache_salt", "'cache_salt' must not be empty.");
    out_.cache_salt = std::move(*v);
  }
  if (auto v = f_.string("request_id")) {
    if (v->empty() || v->size() > 256) f_.invalid("request_id", "'request_id' must be 1 to 256 characters.");
    out_.request_id = std::move(*v);
  }
  if (auto v = f_.string("user")) out_.user = std::move(*v);
  if (auto v = f_.integer("truncate_prompt_tokens", 1, kIntMax)) truncate_prompt_tokens_ = *v;
  // Checked against the cap and the context in resolve_lengths(), which
  // knows the prompt length and can say both numbers.
  max_tokens_ = f_.integer("max_tokens", 1, kIntMax);
  if (chat()) {
    if (auto v = f_.integer("max_completion_tokens", 1, kIntMax)) max_tokens_ = v;
  }
}

// What this server cannot do is refused, never dropped: a client asking for
// JSON output or tool calls must not get free text it believes is either.
void RequestParser::refuse_unsupported() {
  if (const auto* format = f_.raw("response_format")) {
    const auto type = format->is_object() ? format->find("type") : format->end();
    if (!format->is_object() || type == format->end() || !type->is_string()) {
      f_.invalid("response_format", "'response_format' must be an object with a string 'type'.");
    } else if (*type != "text") {
      f_.unsupported("response_format", fmt::format("'response_format' type '{}' is not supported yet; only 'text' is.",
                                                    type->get<std::string>()));
    }
  }
  for (const char* key : {"guided_json", "guided_regex", "guided_choice", "guided_grammar", "structured_outputs"}) {
    if (f_.raw(key) != nullptr) f_.unsupported(key, fmt::format("'{}' (structured output) is not supported yet.", key));
  }
  if (f_.raw("prompt_logprobs") != nullptr) f_.unsupported("prompt_logprobs", "'prompt_logprobs' is not supported.");
  if (chat()) {
    const auto* tools = f_.raw("tools");
    const auto* choice = f_.raw("tool_choice");
    const bool choice_none = choice != nullptr && choice->is_string() && *choice == "none";
    const bool choice_auto = choice == nullptr || (choice->is_string() && *choice == "auto");
    if (tools != nullptr && (!tools->is_array() || !tools->empty()) && !choice_none) {
      f_.unsupported("tools", "Tool calling is not supported yet; send 'tool_choice': 'none' or no 'tools'.");
    } else if (!choice_none && !choice_auto) {
      f_.unsupported("tool_choice", "'tool_choice' other than 'none' or 'auto' is not supported yet.");
    }
    const auto* functions = f_.raw("functions");
    if (functions != nullptr && (!functions->is_array() || !functions->empty())) {
      f_.unsupported("functions", "Function calling is not supported yet.");
    }
    if (const auto* call = f_.raw("function_call"); call != nullptr && !(call->is_string() && *call == "none")) {
      f_.unsupported("function_call", "Function calling is not supported yet.");
    }
    if (f_.raw("audio") != nullptr) f_.unsupported("audio", "Audio output is not supported.");
    if (const auto* modalities = f_.raw("modalities")) {
      const bool text_only =
          modalities->is_array() && std::all_of(modalities->begin(), modalities->end(),
                                                [](const auto& m) { return m.is_string() && m == "text"; });
      if (!text_only) f_.unsupported("modalities", "Only the 'text' modality is supported.");
    }
    if (auto echo = f_.boolean("echo"); echo && *echo) f_.unsupported("echo", "'echo' is not supported on chat.");
  } else {
    if (auto suffix = f_.string("suffix"); suffix && !suffix->empty()) {
      f_.unsupported("suffix", "'suffix' (insertion) is not supported.");
    }
    if (auto echo = f_.boolean("echo")) out_.echo = *echo;
    if (out_.echo && out_.sampling.logprobs) {
      f_.unsupported("echo", "'echo' with 'logprobs' is not supported (prompt logprobs are not computed).");
    }
  }
}

bool RequestParser::read_token_ids(const nlohmann::ordered_json& list, const std::string& param,
                                   std::vector<std::int32_t>& ids) {
  if (!list.is_array()) {
    f_.invalid(param, fmt::format("'{}' must be a list of token ids, not {}.", param, json_type_name(list)));
    return false;
  }
  for (const auto& v : list) {
    const auto id = v.is_number() ? json_integer(v) : std::nullopt;
    if (!id || *id < 0 || *id >= vocab_size()) {
      f_.invalid(param,
                 fmt::format("'{}' holds {}, which is not a token id in [0, {}).", param, v.dump(), vocab_size()));
      return false;
    }
    ids.push_back(static_cast<std::int32_t>(*id));
  }
  return true;
}

void RequestParser::read_chat_prompt() {
  ChatPromptOptions options;
  const auto add_generation_prompt = f_.boolean("add_generation_prompt");
  if (auto v = f_.boolean("continue_final_message")) options.continue_final_message = *v;
  if (options.continue_final_message && add_generation_prompt.value_or(false)) {
    f_.invalid("continue_final_message", "'continue_final_message' and 'add_generation_prompt' cannot both be true.");
  }
  options.add_generation_prompt = add_generation_prompt.value_or(!options.continue_final_message);
  options.chat_template_kwargs = f_.raw("chat_template_kwargs");
  const bool add_special = f_.boolean("add_special_tokens").value_or(false);
  const auto* messages = f_.raw("messages");
  if (f_.failed()) return;
  if (messages == nullptr) {
    f_.invalid("messages", "'messages' is required.");
    return;
  }
  auto prompt = render_chat_prompt(*messages, options, model_);
  if (!prompt) {
    f_.fail(prompt.error());
    return;
  }
  RenderedChat chat = std::move(prompt).value();
  add_text_prompt(std::move(chat.text), "messages", add_special, &chat.literal_ranges);
}

void RequestParser::add_text_prompt(std::string text, const std::string& param, bool add_special,
                                    const std::vector<std::pair<std::size_t, std::size_t>>* literal_ranges) {
  PromptInput input;
  input.token_ids = model_.tokenizer->encode(
      text, {.add_special = add_special, .parse_special = true, .literal_ranges = literal_ranges});
  if (text.empty() || input.token_ids.empty()) {
    f_.invalid(param, fmt::format("'{}' must not be empty.", param));
    return;
  }
  input.text = std::move(text);
  out_.prompts.push_back(std::move(input));
}

void RequestParser::read_completion_prompts() {
  const bool add_special = f_.boolean("add_special_tokens").value_or(true);
  const auto* prompt = f_.raw("prompt");
  if (f_.failed()) return;
  if (prompt == nullptr) {
    f_.invalid("prompt", "'prompt' is required.");
    return;
  }
  if (prompt->is_string()) {
    add_text_prompt(prompt->get<std::string>(), "prompt", add_special);
    return;
  }
  if (!prompt->is_array() || prompt->empty()) {
    f_.invalid("prompt", "'prompt' must be a string, a list of strings, a list of token ids or a list of such lists.");
    return;
  }
  const auto& first = prompt->front();
  if (first.is_number()) {  // one prompt as token ids
    PromptInput input;
    if (!read_token_ids(*prompt, "prompt", input.token_ids)) return;
    input.text = model_.tokenizer->decode(input.token_ids);
    out_.prompts.push_back(std::move(input));
    return;
  }
  if (static_cast<int>(prompt->size()) > model_.limits.max_prompts) {
    f_.invalid("prompt", fmt::format("'prompt' has {} prompts; at most {} are accepted in one request.", prompt->size(),
                                     model_.limits.max_prompts));
    return;
  }
  for (std::size_t i = 0; i < prompt->size() && !f_.failed(); ++i) {
    const auto& p = (*prompt)[i];
    const std::string param = fmt::format("prompt[{}]", i);
    if (first.is_string() && p.is_string()) {
      add_text_prompt(p.get<std::string>(), param, add_special);
    } else if (first.is_array() && p.is_array()) {
      PromptInput input;
      if (p.empty()) {
        f_.invalid(param, fmt::format("'{}' must not be empty.", param));
      } else if (read_token_ids(p, param, input.token_ids)) {
        input.text = model_.tokenizer->decode(input.token_ids);
        out_.prompts.push_back(std::move(input));
      }
    } else {
      f_.invalid(param, fmt::format("'prompt' entries must all be strings or all be token-id lists; '{}' is {}.", param,
                                    json_type_name(p)));
    }
  }
}

void RequestParser::resolve_lengths() {
  const ProtocolLimits& lim = model_.limits;
  const std::int64_t context = lim.max_model_len;
  const std::int64_t max_prompt =
      lim.max_prompt_tokens > 0 ? std::min(lim.max_prompt_tokens, context - 1) : context - 1;
  for (PromptInput& p : out_.prompts) {
    if (truncate_prompt_tokens_ && static_cast<std::int64_t>(p.token_ids.size()) > *truncate_prompt_tokens_) {
      // vLLM keeps the end: the most recent text matters most.
      p.token_ids.erase(p.token_ids.begin(), p.token_ids.end() - *truncate_prompt_tokens_);
    }
    const auto n_prompt = static_cast<std::int64_t>(p.token_ids.size());
    if (n_prompt > max_prompt) {
      f_.fail(api_error(make_error(ErrorCode::kContextLengthExceeded,
                                   "This model's maximum prompt length is {} tokens. However, your {} resulted in {} "
                                   "tokens. Please reduce the length of the {}.",
                                   max_prompt, prompt_param(), n_prompt, prompt_param()),
                        {.param = prompt_param()}));
      return;
    }
    const std::int64_t remaining = context - n_prompt;
    if (max_tokens_) {
      if (lim.max_tokens_cap > 0 && *max_tokens_ > lim.max_tokens_cap) {
        f_.invalid(
            chat() ? "max_completion_tokens" : "max_tokens",
            fmt::format("'max_tokens' is {}, more than this server's limit of {}.", *max_tokens_, lim.max_tokens_cap));
        return;
      }
      if (*max_tokens_ > remaining) {
        f_.fail(api_error(
            make_error(ErrorCode::kContextLengthExceeded,
                       "This model's maximum context length is {} tokens. However, you requested {} tokens ({} in "
                       "the {}, {} in the completion). Please reduce the length of the {} or completion.",
                       context, n_prompt + *max_tokens_, n_prompt, prompt_param(), *max_tokens_, prompt_param()),
            {.param = prompt_param()}));
        return;
      }
      p.max_tokens = static_cast<int>(*max_tokens_);
    } else {
      std::int64_t max_tokens = remaining;
      if (!chat() && lim.completions_default_max_tokens > 0) {
        max_tokens = std::min<std::int64_t>(max_tokens, lim.completions_default_max_tokens);
      }
      if (lim.max_tokens_cap > 0) max_tokens = std::min<std::int64_t>(max_tokens, lim.max_tokens_cap);
      p.max_tokens = static_cast<int>(std::min(max_tokens, kIntMax));
    }
    if (out_.sampling.min_tokens > p.max_tokens) {
      f_.invalid("min_tokens", fmt::format("'min_tokens' ({}) must not exceed 'max_tokens' ({}).",
                                           out_.sampling.min_tokens, p.max_tokens));
      return;
    }
  }
}

ApiResult<ParsedRequest> RequestParser::parse() {
  CHECK(model_.tokenizer != nullptr) << "ServedModel without a tokenizer";
  read_model();
  read_sampling();
  read_stream_and_extras();
  refuse_unsupported();
  // The prompt is the costly part (template, tokenizer): only for requests
  // that are otherwise fine.
  if (!f_.failed()) {
    if (chat()) {
      read_chat_prompt();
    } else {
      read_completion_prompts();
    }
  }
  if (!f_.failed()) resolve_lengths();
  if (f_.failed()) return f_.error();
  out_.sampling.max_tokens = out_.prompts.front().max_tokens;
  out_.ignored_fields = f_.unknown_fields();
  return std::move(out_);
}

}  // namespace

std::string ParsedRequest::ignored_fields_header() const { return fmt::format("{}", fmt::join(ignored_fields, ", ")); }

std::vector<GenerationRequest> ParsedRequest::engine_requests(std::string_view base_id) const {
  std::vector<GenerationRequest> requests;
  requests.reserve(prompts.size());
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    GenerationRequest r;
    r.id = prompts.size() == 1 ? std::string(base_id) : fmt::format("{}-{}", base_id, i);
    r.prompt = prompts[i].token_ids;
    r.sampling = sampling;
    r.sampling.max_tokens = prompts[i].max_tokens;
    r.priority = priority;
    r.cache_salt = cache_salt;
    requests.push_back(std::move(r));
  }
  return requests;
}

ApiResult<ParsedRequest> parse_chat_completion_request(const nlohmann::ordered_json& body, const ServedModel& model) {
  return parse_openai_request(Endpoint::kChatCompletions, body, model);
}

ApiResult<ParsedRequest> parse_completion_request(const nlohmann::ordered_json& body, const ServedModel& model) {
  return parse_openai_request(Endpoint::kCompletions, body, model);
}

ApiResult<ParsedRequest> parse_openai_request(Endpoint endpoint, const nlohmann::ordered_json& body,
                                              const ServedModel& model) {
  if (!body.is_object()) {
    return api_error(Status(ErrorCode::kInvalidArgument, "The request body must be a JSON object."));
  }
  return RequestParser(endpoint, body, model).parse();
}

}  // namespace servir::server
