// Policy files: every documented key, shorthands, inheritance, key groups,
// and refusals that name the offending node.
#include "guard/policy.h"

#include <gtest/gtest.h>

#include "testing/test_paths.h"

namespace servir::guard {
namespace {

constexpr const char* kStrict = R"(
limits:
  max_scan_bytes: 65536
  scan_timeout_ms: 20
default_policy: strict
policies:
  strict:
    input:
      restore: true
      injection: {action: block, threshold: 0.6}
      pii:
        action: redact
        types: {CREDIT_CARD: block, IP_ADDRESS: flag}
        allow: ["support@example.com"]
      secrets: redact
      moderation: {action: block, categories: [S1, S9]}
    output:
      pii: redact
      secrets: block
  internal:
    extends: strict
    keys: [a1b2c3d4, e5f6a7b8]
    input: {pii: flag}
)";

Finding finding(ScannerKind scanner, std::string type, double score) {
  return Finding{.scanner = scanner, .type = std::move(type), .start = 0, .end = 1, .rule = "r", .score = score};
}

TEST(GuardPolicy, ParsesEveryDocumentedKey) {
  auto config = GuardConfig::parse(kStrict);
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->limits().max_scan_bytes, 65536u);
  EXPECT_EQ(config->limits().scan_timeout.count(), 20);
  const GuardPolicy& strict = config->default_policy();
  EXPECT_EQ(strict.name, "strict");
  EXPECT_TRUE(strict.input.restore);
  EXPECT_EQ(strict.input.rule(ScannerKind::kInjection).action, GuardAction::kBlock);
  EXPECT_DOUBLE_EQ(strict.input.rule(ScannerKind::kInjection).threshold, 0.6);
  EXPECT_EQ(strict.input.rule(ScannerKind::kSecrets).action, GuardAction::kRedact);
  EXPECT_EQ(strict.output.rule(ScannerKind::kSecrets).action, GuardAction::kBlock);
  EXPECT_EQ(strict.output.rule(ScannerKind::kInjection).action, GuardAction::kOff);
  EXPECT_TRUE(config->uses_moderation());

  const ScannerRule& pii = strict.input.rule(ScannerKind::kPii);
  EXPECT_EQ(pii.action_for(finding(ScannerKind::kPii, "EMAIL_ADDRESS", 0.9), "a@b.example"), GuardAction::kRedact);
  EXPECT_EQ(pii.action_for(finding(ScannerKind::kPii, "CREDIT_CARD", 0.9), "4111"), GuardAction::kBlock);
  EXPECT_EQ(pii.action_for(finding(ScannerKind::kPii, "IP_ADDRESS", 0.9), "10.0.0.1"), GuardAction::kFlag);
  EXPECT_EQ(pii.action_for(finding(ScannerKind::kPii, "EMAIL_ADDRESS", 0.9), "support@example.com"), GuardAction::kOff)
      << "allow-listed text";
  EXPECT_EQ(pii.action_for(finding(ScannerKind::kPii, "EMAIL_ADDRESS", 0.3), "x@y.example"), GuardAction::kOff)
      << "below the threshold";
  EXPECT_EQ(pii.action_for(finding(ScannerKind::kPii, "SCAN_INCOMPLETE", 1.0), ""), GuardAction::kRedact)
      << "a bound hit takes the scanner's action";
  EXPECT_EQ(pii.max_action(), GuardAction::kBlock);

  const ScannerRule& moderation = strict.input.rule(ScannerKind::kModeration);
  EXPECT_EQ(moderation.action_for(finding(ScannerKind::kModeration, "S9", 1.0), ""), GuardAction::kBlock);
  EXPECT_EQ(moderation.action_for(finding(ScannerKind::kModeration, "S12", 1.0), ""), GuardAction::kOff)
      << "a category the policy does not list";
}

TEST(GuardPolicy, KeysPickTheirPolicyAndExtendsInherits) {
  auto config = GuardConfig::parse(kStrict);
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  const GuardPolicy& internal = config->policy_for_key("e5f6a7b8");
  EXPECT_EQ(internal.name, "internal");
  EXPECT_EQ(internal.input.rule(ScannerKind::kPii).action, GuardAction::kFlag) << "overridden";
  EXPECT_EQ(internal.input.rule(ScannerKind::kInjection).action, GuardAction::kBlock) << "inherited";
  EXPECT_EQ(internal.output.rule(ScannerKind::kSecrets).action, GuardAction::kBlock) << "inherited";
  EXPECT_EQ(config->policy_for_key("00000000").name, "strict");
  EXPECT_EQ(config->policy_for_key("").name, "strict");
}

TEST(GuardPolicy, FlagOnlyDefaultChangesNothing) {
  const GuardConfig config = GuardConfig::flag_only();
  const GuardPolicy& p = config.default_policy();
  EXPECT_EQ(p.input.max_action(), GuardAction::kFlag);
  EXPECT_EQ(p.output.max_action(), GuardAction::kFlag);
  EXPECT_FALSE(p.input.restore);
  EXPECT_FALSE(config.uses_moderation());
}

TEST(GuardPolicy, RefusalsNameTheNode) {
  struct Case {
    const char* yaml;
    const char* expect;
  };
  const Case cases[] = {
      {"policies: {p: {input: {pii: redcat}}}", "policies.p.input.pii"},
      {"policies: {p: {input: {pii: {action: block, treshold: 0.5}}}}", "policies.p.input.pii.treshold"},
      {"policies: {p: {input: {pii: {threshold: 1.5}}}}", "outside"},
      {"policies: {p: {input: {email: block}}}", "policies.p.input.email"},
      {"policies: {p: {output: {injection: block}}}", "input only"},
      {"policies: {p: {output: {restore: true}}}", "restore applies"},
      {"policies: {p: {output: {moderation: block}}}", "input only"},
      {"policies: {p: {keys: [sk-live-abc]}}", "never the key itself"},
      {"policies: {p: {keys: [a1b2c3d4]}, q: {keys: [a1b2c3d4]}}", "listed twice"},
      {"policies: {p: {extends: q}, q: {extends: p}}", "cycle"},
      {"policies: {p: {extends: nope}}", "no policy named 'nope'"},
      {"default_policy: nope\npolicies: {p: {}}", "no policy named 'nope'"},
      {"policies: {}", "at least one policy"},
      {"polices: {}", "unknown key"},
      {"policies: {p: {input: {moderation: {categories: [violence]}}}}", "S1..S14"},
      {"limits: {max_scan_bytes: -1}\npolicies: {p: {}}", "outside"},
      {"[1, 2", "not valid YAML"},
      {"- a\n- b", "mapping"},
  };
  for (const auto& c : cases) {
    auto config = GuardConfig::parse(c.yaml);
    ASSERT_FALSE(config.ok()) << c.yaml;
    EXPECT_EQ(config.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(config.status().message().find(c.expect), std::string::npos)
        << c.yaml << " -> " << config.status().message();
  }
}

TEST(GuardPolicy, OversizedFileIsRefused) {
  std::string big = "policies: {p: {}}\n# " + std::string(2u << 20, 'x');
  EXPECT_FALSE(GuardConfig::parse(big).ok());
}

TEST(GuardPolicy, TheDocumentedStrictPolicyParses) {
  auto config = GuardConfig::load((servir::testing::source_dir() / "docs/guard-policy.strict.yaml").string());
  ASSERT_TRUE(config.ok()) << config.status().to_string();
  EXPECT_EQ(config->default_policy().input.rule(ScannerKind::kInjection).action, GuardAction::kBlock);
}

}  // namespace
}  // namespace servir::guard
