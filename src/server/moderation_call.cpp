#include "server/moderation_call.h"

namespace servir::server {
namespace {

// "safe" or "unsafe\nS1,S2,...": a dozen tokens are enough for any verdict.
constexpr int kVerdictTokens = 16;

std::string text_of(const nlohmann::ordered_json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (!content.is_array()) return out;
  for (const auto& part : content) {
    if (!part.is_object()) continue;
    auto t = part.find("text");
    if (t == part.end() || !t->is_string()) continue;
    if (!out.empty()) out += '\n';
    out += t->get<std::string>();
  }
  return out;
}

}  // namespace

std::vector<guard::ModerationTurn> moderation_turns(Endpoint endpoint, const nlohmann::ordered_json& body) {
  std::vector<guard::ModerationTurn> turns;
  if (endpoint == Endpoint::kCompletions) {
    auto prompt = body.find("prompt");
    if (prompt == body.end()) return turns;
    std::string text;
    if (prompt->is_string()) text = prompt->get<std::string>();
    if (prompt->is_array()) {
      for (const auto& p : *prompt) {
        if (!p.is_string()) continue;
        if (!text.empty()) text.push_back('\n');
        text += p.get_ref<const std::string&>();
      }
    }
    turns.push_back({.from_user = true, .text = std::move(text)});
    return turns;
  }
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array()) return turns;
  for (const auto& m : *messages) {
    if (!m.is_object()) continue;
    auto role = m.find("role");
    auto content = m.find("content");
    if (role == m.end() || !role->is_string() || content == m.end()) continue;
    if (*role == "user") turns.push_back({.from_user = true, .text = text_of(*content)});
    if (*role == "assistant") turns.push_back({.from_user = false, .text = text_of(*content)});
  }
  while (!turns.empty() && !turns.back().from_user) turns.pop_back();  // judge the last user turn
  return turns;
}

Status moderate(const ModerationModel& model, std::vector<guard::ModerationTurn> turns, const std::string& request_id,
                const std::shared_ptr<HttpExchange>& exchange, ModerationDone done) {
  if (model.backend == nullptr || model.tokenizer == nullptr) {
    return Status(ErrorCode::kUnavailable, "the guard policy asks for moderation but no --guard-model is loaded");
  }
  const std::string judged = turns.empty() ? std::string() : turns.back().text;
  const guard::ModerationPrompt prompt = guard::llama_guard_prompt(turns);
  GenerationRequest request;
  request.id = request_id + "-moderation";
  // The prompt writes <|begin_of_text|> itself; the turns stay text.
  request.prompt = model.tokenizer->encode(
      prompt.text, {.add_special = false, .parse_special = true, .literal_ranges = &prompt.literal_ranges});
  request.sampling.temperature = 0.0f;
  request.sampling.max_tokens = kVerdictTokens;
  request.deadline = EngineClock::now() + model.timeout;

  struct Reply {
    std::string text;
  };
  auto reply = std::make_shared<Reply>();
  auto done_ptr = std::make_shared<ModerationDone>(std::move(done));
  OutputSink sink = [reply, done_ptr, exchange, judged](RequestOutput&& output) {
    // Engine thread: collect, and hand the verdict to the strand at the end.
    for (const auto& c : output.choices) reply->text += c.text;
    if (!output.finished) return;
    const bool complete = output.error.ok();
    exchange->run_on_strand([reply, done_ptr, judged, complete] {
      Result<guard::ModerationVerdict> verdict =
          complete ? guard::parse_llama_guard_output(reply->text)
                   : Result<guard::ModerationVerdict>(
                         Status(ErrorCode::kUnavailable, "the moderation model did not answer in time"));
      (*done_ptr)(guard::moderation_findings(verdict, judged.size()), judged);
    });
  };
  return model.backend->submit(std::move(request), std::move(sink));
}

}  // namespace servir::server
