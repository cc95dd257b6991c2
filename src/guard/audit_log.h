// The guard's audit log (--audit-log FILE): one JSON line per decision, in
// Elastic Common Schema field names so Filebeat/Logstash -> Elasticsearch
// take it as is:
//
//   {"@timestamp":"2026-12-07T17:00:00.123Z","ecs":{"version":"8.11.0"},
//    "event":{"kind":"alert","category":["intrusion_detection"],"type":["denied"],
//             "action":"block","outcome":"success","dataset":"servir.guard",
//             "module":"servir","risk_score":97.0},
//    "rule":{"id":"pii.card.luhn","ruleset":"pii","category":"CREDIT_CARD","name":"pii.card.luhn"},
//    "http":{"request":{"id":"9f3c..."}},"user":{"id":"a1b2c3d4"},"source":{"ip":"127.0.0.1"},
//    "servir":{"guard":{"direction":"input","scanner":"pii","type":"CREDIT_CARD",
//              "action":"block","score":0.97,"policy":"strict","source":"user",
//              "part":1,"span":{"start":12,"end":31},"matched_sha256":"5e88..."}}}
//
// Never the matched text, never a key: the text's SHA-256 lets an
// investigator confirm a suspicion ("was this card number in it?") without
// the log holding it. event.type is "denied" for block, "change" for
// redact, "info" for flag; user.id is the API key's id (its hash prefix).
//
// Writing never blocks (BoundedLineWriter: a full queue drops lines and
// counts them); reopen() (SIGHUP) reopens the file for rotation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "guard/guard.h"
#include "util/line_writer.h"

namespace servir::guard {

struct AuditContext {
  std::string request_id;
  std::string key_id;  // "" without keys
  std::string client_ip;
  std::string policy;
};

class AuditLog {
 public:
  // Errors: kIoError.
  static Result<std::unique_ptr<AuditLog>> open(const std::string& path);
  static std::unique_ptr<AuditLog> to_sink(std::unique_ptr<LineSink> sink);

  // One line per decision of `verdict`.
  void record(const AuditContext& ctx, const GuardVerdict& verdict);
  std::uint64_t dropped_lines() const { return writer_->dropped_lines(); }
  void reopen() { writer_->request_reopen(); }

  // The line for one decision, without @timestamp when `with_time` is false.
  static std::string format(const AuditContext& ctx, const GuardDecision& decision, bool with_time = true);

 private:
  explicit AuditLog(std::unique_ptr<BoundedLineWriter> writer) : writer_(std::move(writer)) {}
  std::unique_ptr<BoundedLineWriter> writer_;
};

std::string_view text_source_name(TextSource source);  // "user" | "system" | "tool" | "assistant" | "output"

}  // namespace servir::guard
