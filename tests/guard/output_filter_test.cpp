// Streaming output: whatever way the model's text is cut into tokens, the
// client gets exactly what scanning the whole text would give, and never a
// byte of a secret before it is known to be one.
#include "guard/output_filter.h"

#include <gtest/gtest.h>

#include "guard_test_scanners.h"

namespace servir::guard {
namespace {

struct Streamed {
  std::string text;
  bool blocked = false;
  std::vector<GuardDecision> decisions;
};

Streamed run_stream(const Guard& guard, const DirectionPolicy& policy, const std::vector<std::string>& pieces,
                    const Redactor* restore = nullptr) {
  OutputFilter filter(guard, policy, 0, {.restore = restore});
  Streamed out;
  for (const auto& p : pieces) {
    auto step = filter.push(p);
    out.text += step.released;
    for (auto& d : step.verdict.decisions) out.decisions.push_back(d);
    if (step.blocked) {
      out.blocked = true;
      return out;
    }
  }
  auto last = filter.finish();
  out.text += last.released;
  out.blocked = last.blocked;
  for (auto& d : last.verdict.decisions) out.decisions.push_back(d);
  return out;
}

// Every way to cut `text` in two, and one byte at a time.
std::vector<std::vector<std::string>> splits(const std::string& text) {
  std::vector<std::vector<std::string>> out;
  for (std::size_t i = 0; i <= text.size(); ++i) out.push_back({text.substr(0, i), text.substr(i)});
  std::vector<std::string> bytes;
  for (char c : text) bytes.emplace_back(1, c);
  out.push_back(bytes);
  // Three-way cuts around the middle, where the findings are.
  for (std::size_t i = 0; i < text.size(); i += 3) {
    for (std::size_t j = i; j < text.size(); j += 5)
      out.push_back({text.substr(0, i), text.substr(i, j - i), text.substr(j)});
  }
  return out;
}

std::shared_ptr<const GuardConfig> config_from(const char* yaml) {
  auto parsed = GuardConfig::parse(yaml);
  EXPECT_TRUE(parsed.ok()) << parsed.status().to_string();
  return std::make_shared<const GuardConfig>(std::move(parsed).value());
}

constexpr const char* kOutputPolicy = R"(
policies:
  default:
    input: {restore: true, pii: redact}
    output: {pii: redact, secrets: block}
)";

TEST(OutputFilter, RedactionIsTheSameForEverySplit) {
  Guard guard(config_from(kOutputPolicy), testing::needle_scanners());
  const auto& policy = guard.config().default_policy().output;
  const std::string text = "Contact alice@example.com or call 555-0100, then alice@example.com again.";
  for (const auto& pieces : splits(text)) {
    auto s = run_stream(guard, policy, pieces);
    ASSERT_EQ(s.text, "Contact [EMAIL_1] or call [PHONE_1], then [EMAIL_1] again.") << pieces.size();
    EXPECT_FALSE(s.blocked);
    ASSERT_EQ(s.decisions.size(), 3u);
    EXPECT_EQ(s.decisions[0].finding.start, 8u) << "offsets into the whole output";
    EXPECT_EQ(s.decisions[0].finding.end, 25u);
  }
}

TEST(OutputFilter, ABlockedSecretIsNeverSent) {
  Guard guard(config_from(kOutputPolicy), testing::needle_scanners());
  const auto& policy = guard.config().default_policy().output;
  const std::string text = "The key is sk-live0123456789abcdef and that is all.";
  for (const auto& pieces : splits(text)) {
    auto s = run_stream(guard, policy, pieces);
    EXPECT_TRUE(s.blocked);
    EXPECT_EQ(s.text, "The key is ") << "cut before the secret, whatever the split";
    ASSERT_FALSE(s.decisions.empty());
    EXPECT_EQ(s.decisions.back().action, GuardAction::kBlock);
    EXPECT_EQ(s.decisions.back().finding.start, 11u);
  }
}

TEST(OutputFilter, NothingOfASecretLeaksBeforeTheBlock) {
  // Each prefix of the secret is held while it may still grow.
  Guard guard(config_from(kOutputPolicy), testing::needle_scanners());
  OutputFilter filter(guard, guard.config().default_policy().output, 0, {});
  std::string sent;
  bool blocked = false;
  for (char c : std::string("ok sk-abc")) {
    auto step = filter.push(std::string(1, c));
    sent += step.released;
    blocked = blocked || step.blocked;
  }
  EXPECT_TRUE(blocked);
  EXPECT_TRUE(filter.blocked());
  EXPECT_EQ(sent, "ok ");
  EXPECT_TRUE(filter.push(" more").released.empty()) << "a blocked choice sends nothing more";
  EXPECT_TRUE(filter.finish().released.empty());
}

TEST(OutputFilter, PlaceholdersAreRestoredAcrossSplits) {
  Guard guard(config_from(kOutputPolicy), testing::needle_scanners());
  Redactor input;
  auto r = guard.check("I am bob@example.com and alice@example.com", guard.config().default_policy().input,
                       {.redactor = &input});
  ASSERT_EQ(r.redacted, "I am [EMAIL_1] and [EMAIL_2]");
  const std::string answer = "Hello [EMAIL_2]; I will write to [EMAIL_1] and [EMAIL_3] [not a placeholder].";
  for (const auto& pieces : splits(answer)) {
    auto s = run_stream(guard, guard.config().default_policy().output, pieces, &input);
    ASSERT_EQ(s.text, "Hello alice@example.com; I will write to bob@example.com and [EMAIL_3] [not a placeholder].");
    EXPECT_TRUE(s.decisions.empty()) << "restored text is the user's own, not a finding of the answer";
  }
}

TEST(OutputFilter, FlagOnlyReleasesAtOnceAndReportsAtTheEnd) {
  Guard guard(std::make_shared<const GuardConfig>(GuardConfig::flag_only()), testing::needle_scanners());
  OutputFilter filter(guard, guard.config().default_policy().output, 0, {});
  EXPECT_FALSE(filter.holds_back());
  EXPECT_EQ(filter.push("mail alice@exa").released, "mail alice@exa");
  EXPECT_EQ(filter.push("mple.com").released, "mple.com");
  auto last = filter.finish();
  EXPECT_TRUE(last.released.empty());
  ASSERT_EQ(last.verdict.decisions.size(), 1u);
  EXPECT_EQ(last.verdict.decisions[0].action, GuardAction::kFlag);
}

TEST(OutputFilter, HoldsBackOnlyTheWordBeingWritten) {
  Guard guard(config_from(kOutputPolicy), testing::needle_scanners());
  OutputFilter filter(guard, guard.config().default_policy().output, 0, {});
  EXPECT_EQ(filter.push("Hello there, gen").released, "Hello there, ");
  EXPECT_EQ(filter.push("eral Kenobi").released, "general ");
  EXPECT_EQ(filter.push(" 4111 1111 11").released, "Kenobi ") << "number groups wait together";
  EXPECT_EQ(filter.finish().released, "4111 1111 11");
}

TEST(OutputFilter, RealScannersSameResultForEverySplit) {
  // The rule scanners themselves: a card, an AWS key and an e-mail address
  // streamed in every cut give what scanning the whole answer gives.
  auto config = config_from(R"(
policies: {default: {output: {pii: redact, secrets: redact}}}
)");
  Guard guard(config, ScannerSet::make_default());
  const auto& policy = guard.config().default_policy().output;
  const std::string text = "Card 4111 1111 1111 1111, mail jane.doe@example.org, key AKIAIOSFODNN7EXAMPLE. Done.";
  Redactor whole_redactor;
  const auto whole = guard.check(
      text, policy, {.direction = Direction::kOutput, .source = TextSource::kModelOutput, .redactor = &whole_redactor});
  ASSERT_TRUE(whole.redacted_changed);
  EXPECT_EQ(whole.redacted.find("4111"), std::string::npos) << whole.redacted;
  EXPECT_EQ(whole.redacted.find("AKIA"), std::string::npos) << whole.redacted;
  EXPECT_EQ(whole.redacted.find("jane.doe"), std::string::npos) << whole.redacted;
  for (const auto& pieces : splits(text)) {
    auto s = run_stream(guard, policy, pieces);
    ASSERT_EQ(s.text, whole.redacted) << "pieces: " << pieces.size() << " first: '" << pieces[0] << "'";
  }
}

}  // namespace
}  // namespace servir::guard
