// `servir guard scan`: the guard's scanners and a policy, offline. How an
// operator tries a policy file before deploying it, and how the scanners are
// measured against labelled corpora (--jsonl ... --json prints one JSON
// object per input line, in order, offsets in Unicode code points as
// Presidio reports them).
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "guard/guard.h"
#include "guard/redaction.h"

namespace servir::app {
namespace {

struct GuardScanOptions {
  std::string config_path;
  std::string policy_name;
  std::string key_id;
  std::string direction = "input";
  std::string source;
  std::string text;
  std::string file;
  std::string jsonl;
  std::string field = "text";
  bool json = false;
  bool show_redacted = false;
};

struct Scanning {
  const guard::Guard& guard;
  const guard::DirectionPolicy& policy;
  guard::Direction direction;
  guard::TextSource source;
};

guard::TextSource parse_source(const std::string& name, guard::Direction direction) {
  if (name.empty())
    return direction == guard::Direction::kInput ? guard::TextSource::kUserMessage : guard::TextSource::kModelOutput;
  if (name == "user") return guard::TextSource::kUserMessage;
  if (name == "system") return guard::TextSource::kSystemMessage;
  if (name == "tool") return guard::TextSource::kToolMessage;
  if (name == "assistant") return guard::TextSource::kAssistantMessage;
  if (name == "output") return guard::TextSource::kModelOutput;
  fail("--source must be user, system, tool, assistant or output, not '" + name + "'");
}

nlohmann::ordered_json scan_json(const guard::Guard::CheckResult& result, const std::string& text, bool show_redacted) {
  nlohmann::ordered_json out;
  out["action"] = result.verdict.action_word();
  out["score"] = std::round(result.verdict.score * 1000) / 1000;
  auto findings = nlohmann::ordered_json::array();
  for (const auto& d : result.verdict.decisions) {
    const auto& f = d.finding;
    findings.push_back({{"scanner", guard::scanner_name(f.scanner)},
                        {"type", f.type},
                        {"start", guard::code_point_offset(text, f.start)},
                        {"end", guard::code_point_offset(text, f.end)},
                        {"rule", f.rule},
                        {"score", std::round(f.score * 1000) / 1000},
                        {"action", guard::action_name(d.action)}});
  }
  out["findings"] = std::move(findings);
  if (show_redacted && result.redacted_changed) out["redacted"] = result.redacted;
  return out;
}

void print_human(const guard::Guard::CheckResult& result, const std::string& label, const std::string& text,
                 bool show_redacted) {
  std::cout << label << ": " << result.verdict.action_word() << " (score " << result.verdict.score << ", "
            << result.verdict.decisions.size() << " finding(s))\n";
  for (const auto& d : result.verdict.decisions) {
    const auto& f = d.finding;
    std::cout << "  " << guard::scanner_name(f.scanner) << " " << f.type << " ["
              << guard::code_point_offset(text, f.start) << ", " << guard::code_point_offset(text, f.end) << ") rule "
              << f.rule << " score " << f.score << " -> " << guard::action_name(d.action) << "\n";
  }
  if (show_redacted && result.redacted_changed) std::cout << "  redacted: " << result.redacted << "\n";
}

void emit(const Scanning& s, const GuardScanOptions& o, const std::string& label, const std::string& text) {
  guard::Redactor redactor;
  const auto result =
      s.guard.check(text, s.policy, {.direction = s.direction, .source = s.source, .redactor = &redactor});
  if (o.json) {
    std::cout << scan_json(result, text, o.show_redacted).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    print_human(result, label, text, o.show_redacted);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("--file " + path + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void run_guard_scan(const GuardScanOptions& o) {
  auto config = std::make_shared<guard::GuardConfig>(guard::GuardConfig::flag_only());
  if (!o.config_path.empty()) {
    auto loaded = guard::GuardConfig::load(o.config_path);
    if (!loaded.ok()) fail(loaded.status().message());
    *config = std::move(loaded).value();
  }
  const guard::Guard guard(config, guard::ScannerSet::make_default());
  const guard::GuardPolicy* policy = &guard.policy_for_key(o.key_id);
  if (!o.policy_name.empty()) {
    policy = config->find_policy(o.policy_name);
    if (policy == nullptr) fail("--policy: the config has no policy named '" + o.policy_name + "'");
  }
  if (o.direction != "input" && o.direction != "output") fail("--direction must be input or output");
  const auto direction = o.direction == "input" ? guard::Direction::kInput : guard::Direction::kOutput;
  const Scanning s{guard, policy->direction(direction), direction, parse_source(o.source, direction)};

  const int given = !o.text.empty() + !o.file.empty() + !o.jsonl.empty();
  if (given != 1) fail("give exactly one of TEXT, --file or --jsonl");
  if (!o.text.empty()) return emit(s, o, "text", o.text);
  if (!o.file.empty()) return emit(s, o, o.file, read_file(o.file));

  // One object per line, read as it comes: bounded memory on any size.
  std::ifstream in(o.jsonl, std::ios::binary);
  if (!in) fail("--jsonl " + o.jsonl + ": cannot be read");
  std::string line;
  std::size_t line_no = 0;
  std::size_t bad = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    std::string error;
    nlohmann::json record = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (record.is_discarded()) {
      error = "not valid JSON";
    } else if (!record.is_object() || !record.contains(o.field) || !record[o.field].is_string()) {
      error = "no string field '" + o.field + "'";
    }
    if (!error.empty()) {
      ++bad;
      // Keeps output lines aligned with input lines for scorers.
      if (o.json) {
        std::cout << nlohmann::json{{"error", "line " + std::to_string(line_no) + ": " + error}}.dump() << "\n";
      } else {
        std::cout << "line " << line_no << ": " << error << "\n";
      }
      continue;
    }
    emit(s, o, "line " + std::to_string(line_no), record[o.field].get<std::string>());
  }
  std::cout.flush();
  if (bad > 0) std::cerr << "servir: " << bad << " of " << line_no << " line(s) could not be read\n";
}

}  // namespace

void register_guard_command(CLI::App& app) {
  auto* guard_cmd = app.add_subcommand("guard", "Guardrails: try scanners and policies offline");
  guard_cmd->require_subcommand(1);
  auto options = std::make_shared<GuardScanOptions>();
  auto* scan = guard_cmd->add_subcommand(
      "scan", "Scan text with the guard's scanners under a policy; print findings and the decision");
  scan->add_option("text", options->text, "The text to scan");
  scan->add_option("--config,--guard-config", options->config_path,
                   "Policy file (YAML, as for serve --guard-config); default: flag-only");
  scan->add_option("--policy", options->policy_name, "Use this policy of the file (default: default_policy)");
  scan->add_option("--key-id", options->key_id, "Use the policy of this API key id");
  scan->add_option("--direction", options->direction, "input | output")->capture_default_str();
  scan->add_option("--source", options->source,
                   "Where the text comes from: user, system, tool, assistant, output (default: user for input, "
                   "output for output)");
  scan->add_option("--file", options->file, "Scan this file as one text");
  scan->add_option("--jsonl", options->jsonl, "Scan each line's JSON string field (see --field)");
  scan->add_option("--field", options->field, "The field --jsonl reads")->capture_default_str();
  scan->add_flag("--json", options->json, "One JSON object per input: action, score, findings");
  scan->add_flag("--show-redacted", options->show_redacted, "Also print the text as a redact policy leaves it");
  scan->callback([options] { run_guard_scan(*options); });
}

}  // namespace servir::app
