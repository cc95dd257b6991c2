// Fuzzes the guard's rule scanners, the redaction and the streaming output
// filter on arbitrary bytes: no crash, hang or sanitizer report, and every
// finding's span inside the text with a score in [0, 1]. (That streaming
// releases what whole-text redaction gives is a unit test on chosen texts:
// a scanner may weigh words after a match, which a stream cut earlier has
// not seen yet, so equality is not an invariant of arbitrary input.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "guard/guard.h"
#include "guard/output_filter.h"

namespace {

using namespace servir::guard;

const ScannerSet& scanners() {
  static const auto set = ScannerSet::make_default();
  return *set;
}

const Guard& redacting_guard() {
  static const Guard guard = [] {
    auto config = GuardConfig::parse(R"(
limits: {max_scan_bytes: 32768, scan_timeout_ms: 1000}
policies: {p: {input: {injection: flag, pii: redact, secrets: redact}, output: {pii: redact, secrets: redact}}}
)");
    if (!config.ok()) std::abort();
    return Guard(std::make_shared<const GuardConfig>(std::move(config).value()), ScannerSet::make_default());
  }();
  return guard;
}

void check_spans(const std::vector<Finding>& findings, std::size_t size) {
  for (const auto& f : findings) {
    if (f.start > f.end || f.end > size || f.score < 0.0 || f.score > 1.0 || f.type.empty()) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (const TextSource source : {TextSource::kUserMessage, TextSource::kToolMessage}) {
    ScanContext ctx;
    ctx.source = source;
    ctx.max_bytes = 32768;
    for (const auto& scanner : scanners().by_kind) {
      if (!scanner) continue;
      std::vector<Finding> findings;
      scanner->scan(text, ctx, findings);
      check_spans(findings, text.size());
    }
  }

  const Guard& guard = redacting_guard();
  const auto& policy = guard.config().default_policy().output;
  Redactor redactor;
  std::vector<Finding> raw;
  const auto whole =
      guard.check(text, policy, {.direction = Direction::kOutput, .redactor = &redactor, .raw_findings = &raw});
  check_spans(raw, text.size());
  if (whole.redacted_changed && redactor.restore(whole.redacted).empty() != text.empty()) __builtin_trap();

  OutputFilter filter(guard, policy, 0, {});
  const std::size_t cut = text.empty() ? 0 : data[0] % (text.size() + 1);
  std::string streamed = filter.push(text.substr(0, cut)).released;
  streamed += filter.push(text.substr(cut)).released;
  streamed += filter.finish().released;
  if (streamed.size() > 16 * text.size() + 64) __builtin_trap();  // placeholders are short
  return 0;
}
