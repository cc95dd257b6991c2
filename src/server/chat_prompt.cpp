#include "server/chat_prompt.h"

#include <random>

#include <fmt/format.h>

#include "server/request_fields.h"

namespace servir::server {
namespace {

ApiError invalid(std::string param, std::string message) {
  return api_error(Status(ErrorCode::kInvalidArgument, std::move(message)), {.param = param});
}

// A content value -> plain text, or the error naming where it is wrong.
std::optional<ApiError> content_text(const nlohmann::ordered_json& content, bool may_be_null, std::size_t index,
                                     std::string& text) {
  const std::string param = fmt::format("messages[{}].content", index);
  if (content.is_string()) {
    text = content.get<std::string>();
    return std::nullopt;
  }
  if (content.is_null() && may_be_null) {
    text.clear();
    return std::nullopt;
  }
  if (!content.is_array()) {
    return invalid(
        param, fmt::format("'{}' must be a string or a list of text parts, not {}.", param, json_type_name(content)));
  }
  text.clear();
  for (std::size_t p = 0; p < content.size(); ++p) {
    const auto& part = content[p];
    const std::string part_param = fmt::format("{}[{}]", param, p);
    if (!part.is_object()) return invalid(part_param, fmt::format("'{}' must be an object.", part_param));
    const auto type = part.find("type");
    if (type == part.end() || !type->is_string()) {
      return invalid(part_param + ".type", fmt::format("'{}.type' must be a string.", part_param));
    }
    if (*type != "text") {
      return api_error(
          make_error(ErrorCode::kUnsupported, "'{}.type' is '{}'; only 'text' content parts are supported.", part_param,
                     type->get<std::string>()),
          {.param = part_param + ".type"});
    }
    const auto part_text = part.find("text");
    if (part_text == part.end() || !part_text->is_string()) {
      return invalid(part_param + ".text", fmt::format("'{}.text' must be a string.", part_param));
    }
    if (p > 0) text += '\n';
    text += part_text->get<std::string>();
  }
  return std::nullopt;
}

ApiResult<std::string> render(const nlohmann::ordered_json& context, const ServedModel& model) {
  auto rendered = model.template_clock ? model.chat_template->render(context, model.template_clock)
                                       : model.chat_template->render(context);
  if (!rendered) {
    return invalid("messages", fmt::format("The chat template refused the messages: {}", rendered.status().message()));
  }
  return std::move(rendered).value();
}

// Renders again with each content replaced by a marker no user text can
// contain, then puts the contents back where the markers landed: `ranges`
// gets their exact positions. False when the result differs from `prompt`
// (the template transforms content: trims it, splits it, ...).
bool locate_contents(nlohmann::ordered_json context, const std::vector<std::string>& contents,
                     const std::string& prompt, const ServedModel& model,
                     std::vector<std::pair<std::size_t, std::size_t>>& ranges) {
  std::random_device rd;
  const std::string nonce = fmt::format("{:08x}{:08x}", rd(), rd());
  const auto marker = [&](std::size_t i) { return fmt::format("\x1e{}#{}\x1f", nonce, i); };
  auto& messages = context["messages"];
  for (std::size_t i = 0; i < messages.size(); ++i) messages[i]["content"] = marker(i);
  auto rendered = render(context, model);
  if (!rendered.ok()) return false;
  const std::string& with_markers = rendered.value();
  std::string rebuilt;
  rebuilt.reserve(prompt.size());
  const std::string prefix = "\x1e" + nonce + "#";
  std::size_t at = 0;
  for (;;) {
    const std::size_t open = with_markers.find(prefix, at);
    if (open == std::string::npos) break;
    const std::size_t close = with_markers.find('\x1f', open);
    if (close == std::string::npos) return false;
    std::size_t index = 0;
    const std::string digits = with_markers.substr(open + prefix.size(), close - open - prefix.size());
    if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos)
      return false;
    index = static_cast<std::size_t>(std::stoul(digits));
    if (index >= contents.size()) return false;
    rebuilt.append(with_markers, at, open - at);
    if (!contents[index].empty()) ranges.emplace_back(rebuilt.size(), rebuilt.size() + contents[index].size());
    rebuilt += contents[index];
    at = close + 1;
  }
  rebuilt.append(with_markers, at, std::string::npos);
  // continue_final_message cut the prompt short; the rebuilt text must
  // begin with it.
  if (rebuilt.compare(0, prompt.size(), prompt) != 0) return false;
  for (auto& r : ranges) {
    r.first = std::min(r.first, prompt.size());
    r.second = std::min(r.second, prompt.size());
  }
  std::erase_if(ranges, [](const auto& r) { return r.first >= r.second; });
  return true;
}

}  // namespace

ApiResult<RenderedChat> render_chat_prompt(const nlohmann::ordered_json& messages, const ChatPromptOptions& options,
                                           const ServedModel& model) {
  if (!messages.is_array()) {
    return invalid("messages", fmt::format("'messages' must be an array, not {}.", json_type_name(messages)));
  }
  if (messages.empty()) return invalid("messages", "'messages' must contain at least one message.");
  if (model.chat_template == nullptr) {
    return api_error(
        Status(ErrorCode::kUnsupported, "This model has no chat template; use /v1/completions with a prompt instead."),
        {.param = "messages"});
  }
  nlohmann::ordered_json normalized = nlohmann::ordered_json::array();
  std::vector<std::string> contents;
  std::string final_text;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    const std::string param = fmt::format("messages[{}]", i);
    if (!m.is_object()) return invalid(param, fmt::format("'{}' must be an object, not {}.", param, json_type_name(m)));
    const auto role = m.find("role");
    if (role == m.end() || !role->is_string() || role->get_ref<const std::string&>().empty()) {
      return invalid(param + ".role", fmt::format("'{}.role' must be a non-empty string.", param));
    }
    const bool assistant = *role == "assistant";
    const auto content = m.find("content");
    if (content == m.end() && !assistant) {
      return invalid(param + ".content", fmt::format("'{}.content' is required.", param));
    }
    std::string text;
    if (content != m.end()) {
      if (auto error = content_text(*content, assistant, i, text)) return std::move(*error);
    }
    nlohmann::ordered_json out = m;
    out["content"] = text;
    normalized.push_back(std::move(out));
    contents.push_back(text);
    final_text = std::move(text);
  }

  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  context["messages"] = std::move(normalized);
  const Tokenizer* tok = model.tokenizer;
  const auto special = [tok](TokenId id) { return id >= 0 ? std::string(tok->token_text(id)) : std::string(); };
  context["bos_token"] = tok != nullptr ? special(tok->bos_id()) : "";
  context["eos_token"] = tok != nullptr ? special(tok->eos_id()) : "";
  context["add_generation_prompt"] = options.add_generation_prompt && !options.continue_final_message;
  if (options.chat_template_kwargs != nullptr) {
    const auto& kwargs = *options.chat_template_kwargs;
    if (!kwargs.is_object()) {
      return invalid("chat_template_kwargs",
                     fmt::format("'chat_template_kwargs' must be an object, not {}.", json_type_name(kwargs)));
    }
    for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
      if (it.key() == "messages") {
        return invalid("chat_template_kwargs", "'chat_template_kwargs' may not set 'messages'.");
      }
      context[it.key()] = it.value();
    }
  }

  auto rendered = render(context, model);
  if (!rendered.ok()) return rendered.error();
  std::string prompt = std::move(rendered).value();
  if (options.continue_final_message) {
    // As transformers does: the final message's text, stripped, must appear
    // in the rendering; everything after its last occurrence (end-of-turn
    // tokens) goes, so generation continues that message.
    const auto first = final_text.find_first_not_of(" \t\n\r");
    const auto last = final_text.find_last_not_of(" \t\n\r");
    const std::string stripped = first == std::string::npos ? "" : final_text.substr(first, last - first + 1);
    const auto pos = stripped.empty() ? std::string::npos : prompt.rfind(stripped);
    if (pos == std::string::npos) {
      return invalid("continue_final_message",
                     "continue_final_message: the final message's text does not appear in the chat template's "
                     "rendering, so it cannot be continued.");
    }
    prompt.resize(pos + stripped.size());
  }
  RenderedChat out;
  const bool spells_control_token =
      tok != nullptr &&
      std::any_of(contents.begin(), contents.end(), [tok](const auto& c) { return tok->contains_special_token(c); });
  if (spells_control_token && !locate_contents(std::move(context), contents, prompt, model, out.literal_ranges)) {
    return invalid("messages",
                   "A message spells one of the model's control tokens, and this chat template changes message text "
                   "in a way that keeps it from being told apart from the template's own markup; remove the token "
                   "text from the message.");
  }
  out.text = std::move(prompt);
  return out;
}

}  // namespace servir::server
