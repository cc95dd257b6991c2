#include "guard/audit_log.h"

#include <cmath>

#include <nlohmann/json.hpp>

#include "util/timestamp.h"

namespace servir::guard {
namespace {

constexpr std::string_view kEcsVersion = "8.11.0";

std::string_view event_type(GuardAction action) {
  switch (action) {
    case GuardAction::kBlock:
      return "denied";
    case GuardAction::kRedact:
      return "change";
    default:
      return "info";
  }
}

double rounded(double v, double scale) { return std::round(v * scale) / scale; }

}  // namespace

std::string_view text_source_name(TextSource source) {
  switch (source) {
    case TextSource::kUserMessage:
      return "user";
    case TextSource::kSystemMessage:
      return "system";
    case TextSource::kToolMessage:
      return "tool";
    case TextSource::kAssistantMessage:
      return "assistant";
    case TextSource::kModelOutput:
      return "output";
  }
  return "user";
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::string& path) {
  auto sink = open_line_file(path);
  if (!sink.ok()) return make_error(ErrorCode::kIoError, "--audit-log {}", sink.status().message());
  return to_sink(std::move(sink).value());
}

std::unique_ptr<AuditLog> AuditLog::to_sink(std::unique_ptr<LineSink> sink) {
  return std::unique_ptr<AuditLog>(
      new AuditLog(std::make_unique<BoundedLineWriter>(std::move(sink), LineWriterOptions{.name = "audit log"})));
}

std::string AuditLog::format(const AuditContext& ctx, const GuardDecision& d, bool with_time) {
  using json = nlohmann::ordered_json;
  const Finding& f = d.finding;
  json j;
  if (with_time) j["@timestamp"] = utc_timestamp_ms();
  j["ecs"] = {{"version", kEcsVersion}};
  j["event"] = {{"kind", "alert"},
                {"category", json::array({"intrusion_detection"})},
                {"type", json::array({event_type(d.action)})},
                {"action", action_name(d.action)},
                {"outcome", "success"},
                {"dataset", "servir.guard"},
                {"module", "servir"},
                {"risk_score", rounded(f.score * 100.0, 10)}};
  j["rule"] = {{"id", f.rule}, {"name", f.rule}, {"ruleset", scanner_name(f.scanner)}, {"category", f.type}};
  j["http"] = {{"request", {{"id", ctx.request_id}}}};
  if (!ctx.key_id.empty()) j["user"] = {{"id", ctx.key_id}};
  if (!ctx.client_ip.empty()) j["source"] = {{"ip", ctx.client_ip}};
  j["servir"] = {{"guard",
                  {{"direction", direction_name(d.direction)},
                   {"scanner", scanner_name(f.scanner)},
                   {"type", f.type},
                   {"action", action_name(d.action)},
                   {"score", rounded(f.score, 1000)},
                   {"policy", ctx.policy},
                   {"source", text_source_name(d.source)},
                   {"part", d.part_index},
                   {"span", {{"start", f.start}, {"end", f.end}}},
                   {"matched_sha256", d.matched_sha256}}}};
  // Request ids come from clients and may be invalid UTF-8.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void AuditLog::record(const AuditContext& ctx, const GuardVerdict& verdict) {
  for (const auto& d : verdict.decisions) writer_->push(format(ctx, d));
}

}  // namespace servir::guard
