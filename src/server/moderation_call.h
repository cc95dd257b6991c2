// The moderation scanner over HTTP requests: the request's last user turn
// (with what came before it, after redaction) goes to the moderation model
// (--guard-model, a second GenerationBackend) as a Llama Guard prompt, greedy,
// a few tokens; its reply comes back on the request's strand as findings.
//
// The request waits for the verdict (bounded by --guard-model-timeout); a
// reply that is late or not in the expected format is a SCAN_INCOMPLETE
// finding, so a strict policy refuses rather than lets it through.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "guard/finding.h"
#include "guard/moderation.h"
#include "server/generation_backend.h"
#include "server/http_exchange.h"
#include "server/openai_request.h"
#include "tokenizer/tokenizer.h"

namespace servir::server {

struct ModerationModel {
  GenerationBackend* backend = nullptr;
  const Tokenizer* tokenizer = nullptr;
  std::chrono::milliseconds timeout{10'000};
};

// The turns a request's body shows the moderation model: chat messages up
// to and including the last user one (system and tool messages left out),
// or the completion prompt(s) as one user turn.
std::vector<guard::ModerationTurn> moderation_turns(Endpoint endpoint, const nlohmann::ordered_json& body);

// Submits the classification; `done(findings, judged_text)` runs on the
// exchange's strand once the model answered (or failed). Returns the submit
// error, if any (then `done` is never called).
using ModerationDone = std::function<void(std::vector<guard::Finding> findings, std::string judged_text)>;
Status moderate(const ModerationModel& model, std::vector<guard::ModerationTurn> turns, const std::string& request_id,
                const std::shared_ptr<HttpExchange>& exchange, ModerationDone done);

}  // namespace servir::server
