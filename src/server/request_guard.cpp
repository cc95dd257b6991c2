#include "server/request_guard.h"

#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace servir::server {
namespace {

using guard::GuardAction;
using guard::TextSource;

TextSource source_for_role(std::string_view role, std::size_t bytes) {
  if (role == "system" || role == "developer") return TextSource::kSystemMessage;
  if (role == "tool" || role == "function" || role == "ipython") return TextSource::kToolMessage;
  if (role == "assistant") return TextSource::kAssistantMessage;
  return bytes >= kDocumentBytes ? TextSource::kToolMessage : TextSource::kUserMessage;
}

// Walks the body's texts and scans each; rewrites redacted ones in place.
class InputScan {
 public:
  InputScan(const guard::Guard& g, const guard::DirectionPolicy& policy, const std::vector<std::string>* specials,
            guard::Redactor& redactor)
      : guard_(g), policy_(policy), specials_(specials), redactor_(redactor) {}

  void text(nlohmann::ordered_json& value, TextSource source, int part, std::string param) {
    const std::string& s = value.get_ref<const std::string&>();
    auto result = guard_.check(s, policy_,
                               {.direction = guard::Direction::kInput,
                                .source = source,
                                .part_index = part,
                                .special_tokens = specials_,
                                .redactor = &redactor_});
    note_params(result.verdict, param);
    if (result.redacted_changed) value = std::move(result.redacted);
    verdict.merge(std::move(result.verdict));
  }

  // Token-id prompts: scanned as their decoded text; not rewritable.
  void ids(const std::string& decoded, int part, std::string param) {
    auto result = guard_.check(decoded, policy_,
                               {.direction = guard::Direction::kInput,
                                .source = TextSource::kUserMessage,
                                .part_index = part,
                                .special_tokens = specials_});
    for (auto& d : result.verdict.decisions) {
      if (d.action == GuardAction::kRedact) d.action = GuardAction::kBlock;
    }
    if (result.verdict.action == GuardAction::kRedact) result.verdict.action = GuardAction::kBlock;
    note_params(result.verdict, param);
    verdict.merge(std::move(result.verdict));
  }

  guard::GuardVerdict verdict;
  std::string first_block_param;

 private:
  void note_params(const guard::GuardVerdict& v, const std::string& param) {
    if (first_block_param.empty() && v.action == GuardAction::kBlock) first_block_param = param;
  }

  const guard::Guard& guard_;
  const guard::DirectionPolicy& policy_;
  const std::vector<std::string>* specials_;
  guard::Redactor& redactor_;
};

void scan_chat(InputScan& scan, nlohmann::ordered_json& body) {
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array()) return;  // the parser refuses it
  for (std::size_t i = 0; i < messages->size(); ++i) {
    auto& m = (*messages)[i];
    if (!m.is_object()) continue;
    const auto role_it = m.find("role");
    const std::string role = role_it != m.end() && role_it->is_string() ? role_it->get<std::string>() : "user";
    auto content = m.find("content");
    if (content == m.end()) continue;
    const int part = static_cast<int>(i);
    if (content->is_string()) {
      scan.text(*content, source_for_role(role, content->get_ref<const std::string&>().size()), part,
                fmt::format("messages[{}].content", i));
    } else if (content->is_array()) {
      for (std::size_t p = 0; p < content->size(); ++p) {
        auto& item = (*content)[p];
        if (!item.is_object()) continue;
        auto t = item.find("text");
        if (t == item.end() || !t->is_string()) continue;
        scan.text(*t, source_for_role(role, t->get_ref<const std::string&>().size()), part,
                  fmt::format("messages[{}].content[{}].text", i, p));
      }
    }
  }
}

bool all_ints(const nlohmann::ordered_json& a) {
  return std::all_of(a.begin(), a.end(), [](const auto& v) { return v.is_number_integer(); });
}

std::string decode_ids(const nlohmann::ordered_json& ids, const ServedModel& model) {
  std::vector<TokenId> tokens;
  for (const auto& v : ids) {
    const auto id = v.get<std::int64_t>();
    if (model.tokenizer == nullptr || id < 0 || !model.tokenizer->valid_id(static_cast<TokenId>(id))) continue;
    tokens.push_back(static_cast<TokenId>(id));
  }
  return model.tokenizer != nullptr ? model.tokenizer->decode(tokens) : std::string();
}

void scan_completion(InputScan& scan, nlohmann::ordered_json& body, const ServedModel& model) {
  auto prompt = body.find("prompt");
  if (prompt == body.end()) return;
  if (prompt->is_string()) {
    scan.text(*prompt, TextSource::kUserMessage, 0, "prompt");
    return;
  }
  if (!prompt->is_array()) return;
  if (!prompt->empty() && all_ints(*prompt)) {
    scan.ids(decode_ids(*prompt, model), 0, "prompt");
    return;
  }
  for (std::size_t i = 0; i < prompt->size(); ++i) {
    auto& p = (*prompt)[i];
    const int part = static_cast<int>(i);
    if (p.is_string()) {
      scan.text(p,
                p.get_ref<const std::string&>().size() >= kDocumentBytes ? TextSource::kToolMessage
                                                                         : TextSource::kUserMessage,
                part, fmt::format("prompt[{}]", i));
    } else if (p.is_array() && all_ints(p)) {
      scan.ids(decode_ids(p, model), part, fmt::format("prompt[{}]", i));
    }
  }
}

}  // namespace

void report_guard_verdict(ServerGuard& server_guard, const guard::GuardVerdict& verdict,
                          const guard::AuditContext& audit_ctx, ServerMetrics& metrics, guard::Direction direction) {
  const std::string_view name = guard::direction_name(direction);
  if (verdict.scan_seconds > 0) metrics.observe_guard_scan(name, verdict.scan_seconds);
  for (const auto& d : verdict.decisions) {
    metrics.count_guard_decision(name, guard::scanner_name(d.finding.scanner), guard::action_name(d.action));
  }
  if (server_guard.audit() != nullptr && !verdict.decisions.empty()) server_guard.audit()->record(audit_ctx, verdict);
}

ApiError guard_refusal(const guard::GuardVerdict& verdict, std::string_view param) {
  std::set<std::string> ids;
  for (const auto& d : verdict.decisions) {
    if (d.action == GuardAction::kBlock) {
      ids.insert(fmt::format("{} ({})", d.finding.rule, guard::scanner_name(d.finding.scanner)));
    }
  }
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ", ") + id;
  return api_error(Status(ErrorCode::kPolicyViolation,
                          fmt::format("The request was refused by this server's content policy: {}.", list)),
                   {.param = param});
}

ServerGuard::ServerGuard(std::shared_ptr<const guard::GuardConfig> config, std::string config_path,
                         std::unique_ptr<guard::AuditLog> audit)
    : scanners_(guard::ScannerSet::make_default()),
      config_path_(std::move(config_path)),
      audit_(std::move(audit)),
      guard_(std::make_shared<const guard::Guard>(std::move(config), scanners_)) {}

std::shared_ptr<const guard::Guard> ServerGuard::current() const {
  std::lock_guard lock(mu_);
  return guard_;
}

Status ServerGuard::reload() {
  if (audit_) audit_->reopen();
  if (config_path_.empty()) return {};
  auto config = guard::GuardConfig::load(config_path_);
  if (!config.ok()) return config.status();
  if (config->uses_moderation() && !moderation_available_) {
    return Status(ErrorCode::kInvalidArgument,
                  config_path_ + ": the policy uses the moderation scanner, and no --guard-model is loaded");
  }
  auto fresh = std::make_shared<const guard::Guard>(
      std::make_shared<const guard::GuardConfig>(std::move(config).value()), scanners_);
  std::lock_guard lock(mu_);
  guard_ = std::move(fresh);
  return {};
}

const std::vector<std::string>& ServerGuard::special_tokens(const ServedModel& model) {
  std::call_once(specials_once_, [&] {
    const Tokenizer* tok = model.tokenizer;
    if (tok == nullptr) return;
    for (std::size_t id = 0; id < tok->n_tokens(); ++id) {
      const auto t = static_cast<TokenId>(id);
      if (!tok->is_special(t)) continue;
      const std::string_view text = tok->token_text(t);
      // Only spellings a user could type that look like markup ("<s>",
      // "<|im_start|>", "[INST]"): plain words marked special are not markers.
      if (text.size() >= 3 && (text.front() == '<' || text.front() == '[')) specials_.emplace_back(text);
    }
  });
  return specials_;
}

std::string guard_header_value(const guard::GuardVerdict& verdict) {
  if (verdict.decisions.empty()) return {};
  std::set<std::string> pairs;
  for (const auto& d : verdict.decisions) {
    pairs.insert(fmt::format("{}/{}", guard::scanner_name(d.finding.scanner), d.finding.type));
  }
  std::string findings;
  for (const auto& p : pairs) {
    if (!findings.empty()) findings += ',';
    findings += p;
  }
  return fmt::format("action={}; score={:.2f}; findings={}", verdict.action_word(), verdict.score, findings);
}

std::string InputGuardOutcome::header() const { return guard_header_value(verdict); }

const guard::Redactor* InputGuardOutcome::restore() const {
  if (policy == nullptr || !policy->input.restore || redactor == nullptr || redactor->empty()) return nullptr;
  return redactor.get();
}

InputGuardOutcome guard_request_input(ServerGuard& server_guard, Endpoint endpoint, nlohmann::ordered_json& body,
                                      const ServedModel& model, const guard::AuditContext& audit_ctx,
                                      ServerMetrics& metrics) {
  InputGuardOutcome out;
  out.guard = server_guard.current();
  out.policy = &out.guard->policy_for_key(audit_ctx.key_id);
  out.redactor = std::make_shared<guard::Redactor>();
  const auto& policy = out.policy->input;
  if (!policy.active() || !body.is_object()) return out;
  InputScan scan(*out.guard, policy, &server_guard.special_tokens(model), *out.redactor);
  if (endpoint == Endpoint::kChatCompletions) {
    scan_chat(scan, body);
  } else {
    scan_completion(scan, body, model);
  }
  out.verdict = std::move(scan.verdict);
  guard::AuditContext ctx = audit_ctx;
  ctx.policy = out.policy->name;
  report_guard_verdict(server_guard, out.verdict, ctx, metrics, guard::Direction::kInput);
  if (out.verdict.action == GuardAction::kBlock) out.refusal = guard_refusal(out.verdict, scan.first_block_param);
  return out;
}

}  // namespace servir::server
