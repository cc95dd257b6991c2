// Scoring (see also injection_rules.h):
//
//  1. Each rule hit starts from its rule's base score: score_user, or
//     score_tool when ctx.source is a tool result (instructions addressed to
//     the model inside data are indirect injection: those rules get the
//     biggest raise, every other rule +0.1). Assistant/model output: x0.8.
//  2. Talk about attacks lowers it: when a meta rule fired ("what is prompt
//     injection?", "how do I protect against jailbreaks", chat-template
//     questions), a hit inside quotes or a code span is x0.5 and any other
//     hit x0.55; without meta talk a quoted hit is x0.85. Role markers in
//     code spans are x0.4 (documentation of a template). Developer/god
//     "mode" rules are x0.3 next to devices, browsers and games.
//  3. Overlapping hits form one cluster with the best hit's rule; the other
//     rules in it add 1 - (1 - s) * prod(1 - 0.4 s_k).
//  4. Signals add up: a cluster's final score is
//        1 - (1 - s) * prod_j (1 - 0.6 * s_j)
//     over the best cluster of each *other* rule (top 3, s_j >= 0.25).
//     One ambiguous phrase stays low (0.3-0.45); two independent weak cues
//     reach ~0.5; a strong phrase (0.85-0.9) stands on its own.
//  5. Findings below 0.25 are not reported.
//
// Hidden text (HIDDEN_TEXT): tag characters 0.7 (0.95 when they spell 4+
// characters), RLO/LRO 0.6, zero-width characters inside words 0.3 / 0.45
// (2) / 0.65 (3+) / 0.8 (8+); the tag text itself is scanned with the rules
// (+0.1). Encoded payloads (ENCODED_PAYLOAD): inner best score + 0.1,
// reported when the inner score is >= 0.4; rot13 of the view when >= 0.5
// (>= 0.3 when the text names rot13).
#include "guard/injection_scanner.h"

#include <algorithm>
#include <array>
#include <string>
#include <unordered_set>

#include "guard/injection_rules.h"
#include "guard/payload_decoder.h"
#include "guard/text_normalizer.h"

namespace servir::guard {
namespace {

constexpr double kMinReportScore = 0.25;
constexpr double kCombineWeight = 0.6;
constexpr double kOverlapWeight = 0.4;
constexpr std::size_t kCombineOthers = 3;
constexpr double kMinPayloadScore = 0.4;
constexpr double kMinRot13Score = 0.5;
constexpr std::size_t kQuoteLookback = 400;

// A scored span of one view, in that view's byte offsets.
struct Cluster {
  std::size_t start = 0;
  std::size_t end = 0;
  std::size_t rule = 0;
  double score = 0.0;
};

// Spans between backticks (inline `x` and ``` fences) of a view.
std::vector<std::pair<std::size_t, std::size_t>> code_spans(std::string_view v) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::size_t i = 0;
  while ((i = v.find('`', i)) != std::string_view::npos) {
    if (v.compare(i, 3, "```") == 0) {
      const std::size_t close = v.find("```", i + 3);
      const std::size_t end = close == std::string_view::npos ? v.size() : close + 3;
      spans.emplace_back(i, end);
      i = end;
      continue;
    }
    const std::size_t close = v.find_first_of("`\n", i + 1);
    if (close == std::string_view::npos || v[close] == '\n') {
      ++i;
      continue;
    }
    spans.emplace_back(i, close + 1);
    i = close + 1;
  }
  return spans;
}

bool inside(const std::vector<std::pair<std::size_t, std::size_t>>& spans, std::size_t start, std::size_t end) {
  auto it = std::upper_bound(spans.begin(), spans.end(), std::make_pair(start, ~std::size_t{0}));
  if (it == spans.begin()) return false;
  --it;
  return it->first <= start && end <= it->second;
}

// An odd number of quote marks between the line start and `start`.
bool quoted(std::string_view v, std::size_t start) {
  const std::size_t from = start > kQuoteLookback ? start - kQuoteLookback : 0;
  std::size_t straight = 0, open = 0, close = 0;
  for (std::size_t i = start; i > from; --i) {
    const char c = v[i - 1];
    if (c == '\n') break;
    if (c == '"') ++straight;
    // « and » are C2 AB / C2 BB in UTF-8.
    if (static_cast<unsigned char>(c) == 0xAB && i >= 2 && static_cast<unsigned char>(v[i - 2]) == 0xC2) ++open;
    if (static_cast<unsigned char>(c) == 0xBB && i >= 2 && static_cast<unsigned char>(v[i - 2]) == 0xC2) ++close;
  }
  return straight % 2 == 1 || open > close;
}

class InjectionScanner final : public Scanner {
 public:
  explicit InjectionScanner(const InjectionScannerOptions& options)
      : options_(options), matcher_(default_injection_rules()) {}

  ScannerKind kind() const override { return ScannerKind::kInjection; }

  void scan(std::string_view text, const ScanContext& ctx, std::vector<Finding>& out) const override {
    if (ctx.source == TextSource::kSystemMessage) return;  // the operator's own prompt is trusted
    std::size_t limit = std::min(text.size(), ctx.max_bytes);
    while (limit > 0 && limit < text.size() && (static_cast<unsigned char>(text[limit]) & 0xC0) == 0x80) --limit;
    const std::string_view head = text.substr(0, limit);
    bool incomplete = limit < text.size();
    std::size_t stopped_at = limit;

    const NormalizeResult normalized = normalizer_.normalize(head, ctx.deadline);
    if (normalized.deadline_hit) {
      incomplete = true;
      stopped_at = std::min(stopped_at, normalized.bytes_read);
    }
    const NormalizedText& view = normalized.view;
    bool meta = false;
    std::size_t matched = view.text.size();
    const std::vector<Cluster> clusters = evaluate(view.text, ctx.source, meta, ctx.deadline, &matched);
    if (matched < view.text.size()) {
      incomplete = true;
      stopped_at = std::min(stopped_at, view.original_start(matched));
    }
    for (const Cluster& c : clusters) emit(c, view, 0.0, "", out);
    report_hidden(normalized.hidden, ctx, out);
    report_special_tokens(head, ctx, meta, out);

    if (options_.decode_payloads && !ctx.past_deadline()) {
      report_rot13(view, clusters, ctx, out);
      std::size_t budget = options_.max_decoded_bytes;
      if (!report_payloads(head, 0, head.size(), ctx, 1, budget, out, stopped_at)) incomplete = true;
    } else if (options_.decode_payloads) {
      incomplete = true;
      stopped_at = 0;
    }
    if (incomplete) out.push_back(incomplete_scan_finding(ScannerKind::kInjection, stopped_at, text.size()));
  }

 private:
  double base_score(const InjectionRule& rule, TextSource source) const {
    double s = source == TextSource::kToolMessage ? rule.score_tool : rule.score_user;
    if (source == TextSource::kAssistantMessage || source == TextSource::kModelOutput) s *= 0.8;
    return s;
  }

  // Rule hits of one view, scored and combined (steps 1-4 above).
  std::vector<Cluster> evaluate(
      std::string_view view, TextSource source, bool& meta,
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max(),
      std::size_t* matched = nullptr) const {
    std::vector<RuleHit> hits;
    const std::size_t done = matcher_.match(view, hits, 8, deadline);
    if (matched != nullptr) *matched = done;
    const auto& rules = matcher_.rules();
    meta = false;
    bool device = false;
    for (const RuleHit& h : hits) {
      if (rules[h.rule].family != RuleFamily::kMeta) continue;
      if (rules[h.rule].id == "injection.meta.device") {
        device = true;
      } else {
        meta = true;
      }
    }
    std::vector<Cluster> scored;
    std::vector<std::pair<std::size_t, std::size_t>> code;
    bool code_ready = false;
    for (const RuleHit& h : hits) {
      const InjectionRule& rule = rules[h.rule];
      if (rule.family == RuleFamily::kMeta) continue;
      if (!code_ready) {
        code = code_spans(view);
        code_ready = true;
      }
      double s = base_score(rule, source);
      const bool in_code = inside(code, h.start, h.end);
      const bool in_quotes = in_code || quoted(view, h.start);
      if (device && rule.id.find("mode") != std::string::npos) s *= 0.3;
      if (rule.family == RuleFamily::kMarker) {
        if (in_code) s *= 0.4;
        if (meta) s *= 0.5;
      } else if (meta) {
        s *= in_quotes ? 0.5 : 0.55;
      } else if (in_quotes) {
        s *= 0.85;
      }
      scored.push_back(Cluster{.start = h.start, .end = h.end, .rule = h.rule, .score = s});
    }
    std::sort(scored.begin(), scored.end(), [](const Cluster& a, const Cluster& b) { return a.start < b.start; });
    // Overlapping hits of different rules back each other up, with less
    // weight than separate phrases: x = 1 - (1 - best) * prod(1 - 0.4 s),
    // over hits that reach past the best hit's span (a sub-phrase of the
    // same words is no second opinion).
    std::vector<Cluster> clusters;
    std::vector<Cluster> members;  // hits of the last cluster
    auto close_cluster = [&] {
      if (clusters.empty()) return;
      Cluster& c = clusters.back();
      const auto best = std::max_element(members.begin(), members.end(),
                                         [](const Cluster& a, const Cluster& b) { return a.score < b.score; });
      double keep = 1.0 - c.score;
      std::vector<std::size_t> used;
      for (const Cluster& m : members) {
        if (m.rule == best->rule || (m.start >= best->start && m.end <= best->end)) continue;
        if (std::find(used.begin(), used.end(), m.rule) != used.end()) continue;
        used.push_back(m.rule);
        keep *= 1.0 - kOverlapWeight * m.score;
      }
      c.score = 1.0 - keep;
      members.clear();
    };
    for (const Cluster& c : scored) {
      if (!clusters.empty() && c.start < clusters.back().end) {
        Cluster& last = clusters.back();
        last.end = std::max(last.end, c.end);
        if (c.score > last.score) last.score = c.score, last.rule = c.rule;
      } else {
        close_cluster();
        clusters.push_back(c);
      }
      members.push_back(c);
    }
    close_cluster();
    // Best cluster per rule, for combination (rules sharing an id are
    // different phrasings: they add up; one rule repeated does not).
    std::vector<std::pair<std::size_t, double>> best;
    for (const Cluster& c : clusters) {
      auto it = std::find_if(best.begin(), best.end(), [&](const auto& p) { return p.first == c.rule; });
      if (it == best.end()) {
        best.emplace_back(c.rule, c.score);
      } else {
        it->second = std::max(it->second, c.score);
      }
    }
    std::sort(best.begin(), best.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (Cluster& c : clusters) {
      double keep = 1.0 - c.score;
      std::size_t used = 0;
      for (const auto& [other, s] : best) {
        if (used == kCombineOthers || s < 0.25) break;
        if (other == c.rule) continue;
        keep *= 1.0 - kCombineWeight * s;
        ++used;
      }
      c.score = std::min(0.99, 1.0 - keep);
    }
    return clusters;
  }

  void emit(const Cluster& c, const NormalizedText& view, double bonus, std::string_view rule_prefix,
            std::vector<Finding>& out) const {
    const double score = std::min(0.99, c.score + bonus);
    if (score < kMinReportScore) return;
    const InjectionRule& rule = matcher_.rules()[c.rule];
    out.push_back(Finding{.scanner = ScannerKind::kInjection,
                          .type = std::string(rule_family_type(rule.family)),
                          .start = view.original_start(c.start),
                          .end = view.original_end(c.end),
                          .rule = std::string(rule_prefix) + rule.id,
                          .score = score});
  }

  void report_hidden(const HiddenCharacters& h, const ScanContext& ctx, std::vector<Finding>& out) const {
    auto add = [&](std::size_t start, std::size_t end, const char* rule, double score) {
      out.push_back(Finding{.scanner = ScannerKind::kInjection,
                            .type = "HIDDEN_TEXT",
                            .start = start,
                            .end = end,
                            .rule = rule,
                            .score = score});
    };
    if (h.tag > 0) {
      add(h.tag_start, h.tag_end, "injection.hidden.tag", h.tag_text.text.size() >= 4 ? 0.95 : 0.7);
      if (!h.tag_text.text.empty()) {
        bool meta = false;
        for (const Cluster& c : evaluate(h.tag_text.text, ctx.source, meta)) emit(c, h.tag_text, 0.1, "", out);
      }
    }
    if (h.bidi_override > 0) add(h.bidi_start, h.bidi_end, "injection.hidden.bidi", 0.6);
    if (h.zero_width_in_word > 0) {
      const std::size_t n = h.zero_width_in_word;
      const double score = n >= 8 ? 0.8 : n >= 3 ? 0.65 : n == 2 ? 0.45 : 0.3;
      add(h.zero_width_start, h.zero_width_end, "injection.hidden.zero_width", score);
    }
  }

  void report_special_tokens(std::string_view text, const ScanContext& ctx, bool meta,
                             std::vector<Finding>& out) const {
    if (ctx.special_tokens == nullptr || ctx.special_tokens->empty()) return;
    std::unordered_set<std::string_view> tokens;
    std::vector<std::size_t> lengths;
    std::array<bool, 256> first{};
    for (const std::string& t : *ctx.special_tokens) {
      if (t.size() < 3) continue;  // one or two bytes are ordinary text
      tokens.insert(t);
      if (std::find(lengths.begin(), lengths.end(), t.size()) == lengths.end()) lengths.push_back(t.size());
      first[static_cast<unsigned char>(t[0])] = true;
    }
    if (tokens.empty()) return;
    const auto code = code_spans(text);
    std::size_t reported = 0;
    for (std::size_t i = 0; i < text.size() && reported < 64; ++i) {
      if (!first[static_cast<unsigned char>(text[i])]) continue;
      for (std::size_t len : lengths) {
        if (i + len > text.size() || tokens.count(text.substr(i, len)) == 0) continue;
        double score = len >= 5 ? 0.8 : 0.55;
        if (ctx.source == TextSource::kToolMessage) score += 0.1;
        if (inside(code, i, i + len)) score *= 0.4;
        if (meta) score *= 0.5;
        out.push_back(Finding{.scanner = ScannerKind::kInjection,
                              .type = "SPECIAL_TOKEN",
                              .start = i,
                              .end = i + len,
                              .rule = "injection.special_token",
                              .score = score});
        ++reported;
        i += len - 1;
        break;
      }
    }
  }

  void report_rot13(const NormalizedText& view, const std::vector<Cluster>& plain, const ScanContext& ctx,
                    std::vector<Finding>& out) const {
    static constexpr std::string_view kNames[] = {"rot13", "rot-13", "rot 13", "caesar", "cesar", "цезар"};
    // rot13 of common words ("the", "and", "you", "ignore", "previous",
    // "instructions", "system", "prompt", "forget", "disregard"): without
    // one of them or the name there is nothing to decode.
    static constexpr std::string_view kRotWords[] = {"gur ",     "naq ",   "lbh",    "vtaber", "cerivbhf",
                                                     "vafgehpg", "flfgrz", "cebzcg", "sbetrg", "qvfertneq"};
    bool named = false;
    for (std::string_view n : kNames) named |= view.text.find(n) != std::string::npos;
    bool rotated_words = named;
    for (std::string_view w : kRotWords) rotated_words = rotated_words || view.text.find(w) != std::string::npos;
    if (!rotated_words) return;
    const std::string rotated = rot13(view.text);
    bool meta = false;
    for (Cluster c : evaluate(rotated, ctx.source, meta)) {
      if (c.score < (named ? 0.3 : kMinRot13Score)) continue;
      // Non-Latin text reads the same both ways: keep only new findings.
      const bool seen =
          std::any_of(plain.begin(), plain.end(), [&](const Cluster& p) { return p.start < c.end && c.start < p.end; });
      if (seen) continue;
      const InjectionRule& rule = matcher_.rules()[c.rule];
      out.push_back(Finding{.scanner = ScannerKind::kInjection,
                            .type = "ENCODED_PAYLOAD",
                            .start = view.original_start(c.start),
                            .end = view.original_end(c.end),
                            .rule = "injection.encoded.rot13:" + rule.id,
                            .score = std::min(0.99, c.score + 0.05)});
    }
  }

  // Decodes the payloads of `text` and scans them; a payload found at depth
  // 2 is reported with the span of the depth-1 run [outer_start, outer_end).
  // False when the decode budget or the deadline stopped it.
  bool report_payloads(std::string_view text, std::size_t outer_start, std::size_t outer_end, const ScanContext& ctx,
                       int depth, std::size_t& budget, std::vector<Finding>& out, std::size_t& stopped_at) const {
    PayloadSearch search = find_payloads(text, budget);
    budget -= std::min(budget, search.decoded_bytes);
    bool complete = !search.budget_hit;
    if (search.budget_hit) stopped_at = std::min(stopped_at, depth == 1 ? search.stopped_at : outer_start);
    for (const DecodedPayload& p : search.payloads) {
      if (ctx.past_deadline()) {
        stopped_at = std::min(stopped_at, depth == 1 ? p.start : outer_start);
        return false;
      }
      const std::size_t start = depth == 1 ? p.start : outer_start;
      const std::size_t end = depth == 1 ? p.end : outer_end;
      const NormalizeResult decoded = normalizer_.normalize(p.text);
      bool meta = false;
      const std::vector<Cluster> inner = evaluate(decoded.view.text, ctx.source, meta);
      const auto best = std::max_element(inner.begin(), inner.end(),
                                         [](const Cluster& a, const Cluster& b) { return a.score < b.score; });
      if (best != inner.end() && best->score >= kMinPayloadScore) {
        out.push_back(Finding{.scanner = ScannerKind::kInjection,
                              .type = "ENCODED_PAYLOAD",
                              .start = start,
                              .end = end,
                              .rule = std::string("injection.encoded.") +
                                      std::string(payload_encoding_name(p.encoding)) + ":" +
                                      matcher_.rules()[best->rule].id,
                              .score = std::min(0.99, best->score + 0.1)});
      }
      if (depth < options_.max_decode_depth) {
        complete &= report_payloads(p.text, start, end, ctx, depth + 1, budget, out, stopped_at);
      }
    }
    return complete;
  }

  InjectionScannerOptions options_;
  TextNormalizer normalizer_;
  RuleMatcher matcher_;
};

}  // namespace

std::unique_ptr<Scanner> make_injection_scanner(const InjectionScannerOptions& options) {
  return std::make_unique<InjectionScanner>(options);
}

}  // namespace servir::guard
