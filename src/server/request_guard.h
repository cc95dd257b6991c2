// The guard as the server runs it: the policy in force (swapped whole on
// SIGHUP), the audit log, metrics, and the input side of one request.
//
// Input: before a completion request is parsed, every text the model will
// read is scanned where the client put it in the body (chat messages'
// content and text parts, completions' prompts) under the policy of the
// request's API key. A block refuses the request (400
// content_policy_violation naming scanners and rule ids, never the text);
// a redact rewrites the body in place, so the template, the tokenizer, the
// engine and --log-prompts only ever see placeholders; a flag only reports.
// Sources: system messages are the operator's (PII and secrets only), tool
// messages and user texts longer than kDocumentBytes are untrusted data for
// the injection scanner (indirect injection); prompts given as token ids are
// decoded to be scanned, and since ids cannot be redacted, redact becomes
// block for them.
//
// Thread-safety: ServerGuard is shared by all I/O threads; current() takes a
// short lock; a Guard, once handed out, is immutable.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "guard/audit_log.h"
#include "guard/guard.h"
#include "guard/output_filter.h"
#include "server/api_error.h"
#include "server/openai_request.h"
#include "server/served_model.h"
#include "server/server_metrics.h"

namespace servir::server {

// A user text at least this long is treated as a pasted document.
inline constexpr std::size_t kDocumentBytes = 2048;

class ServerGuard {
 public:
  // config_path "": the flag-only default, and reload() keeps it.
  ServerGuard(std::shared_ptr<const guard::GuardConfig> config, std::string config_path,
              std::unique_ptr<guard::AuditLog> audit);

  std::shared_ptr<const guard::Guard> current() const;
  // Re-reads the policy file; on error the old policy stays (and the error
  // is returned to be logged). Also reopens the audit log. A policy that
  // uses moderation is refused when no moderation model is loaded.
  Status reload();
  void set_moderation_available(bool available) { moderation_available_ = available; }
  guard::AuditLog* audit() const { return audit_.get(); }
  // The model's special-token strings, computed once.
  const std::vector<std::string>& special_tokens(const ServedModel& model);

 private:
  const std::shared_ptr<const guard::ScannerSet> scanners_;
  const std::string config_path_;
  const std::unique_ptr<guard::AuditLog> audit_;
  mutable std::mutex mu_;
  std::shared_ptr<const guard::Guard> guard_;
  std::atomic<bool> moderation_available_{false};
  std::once_flag specials_once_;
  std::vector<std::string> specials_;
};

// What the guard decided for one request's input, and what its output side needs.
struct InputGuardOutcome {
  std::shared_ptr<const guard::Guard> guard;  // keeps `policy` alive
  const guard::GuardPolicy* policy = nullptr;
  guard::GuardVerdict verdict;
  std::shared_ptr<guard::Redactor> redactor;  // the input's placeholders
  std::optional<ApiError> refusal;            // set when blocked

  // "X-Servir-Guard" value ("" when nothing was found): the decision,
  // then scanner/type pairs, e.g. "action=redact; findings=pii/EMAIL_ADDRESS".
  std::string header() const;
  // Output filters restore the input's placeholders for this request.
  const guard::Redactor* restore() const;
};

// Scans (and may rewrite) `body` before it is parsed. Metrics and the audit
// log are fed here.
InputGuardOutcome guard_request_input(ServerGuard& server_guard, Endpoint endpoint, nlohmann::ordered_json& body,
                                      const ServedModel& model, const guard::AuditContext& audit_ctx,
                                      ServerMetrics& metrics);

// Decisions of one direction: metrics (scan time, one count per decision)
// and audit lines.
void report_guard_verdict(ServerGuard& server_guard, const guard::GuardVerdict& verdict,
                          const guard::AuditContext& audit_ctx, ServerMetrics& metrics, guard::Direction direction);

// The 400 content_policy_violation for a verdict that blocks: rule ids and
// scanners, never the matched text.
ApiError guard_refusal(const guard::GuardVerdict& verdict, std::string_view param);

// "X-Servir-Guard" style summary of a verdict ("" when it has no decisions).
std::string guard_header_value(const guard::GuardVerdict& verdict);

}  // namespace servir::server
