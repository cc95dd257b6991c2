// The secrets scanner: each provider's token, context-gated rules, the
// entropy rule's false-positive guards, spans, bounds and speed.
#include "guard/secrets_scanner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "guard/secrets_entropy.h"

namespace servir::guard {
namespace {

using Found = std::vector<std::pair<std::string, std::string>>;

std::vector<Finding> scan(std::string_view text, const ScanContext& ctx = {}) {
  static const std::unique_ptr<Scanner> scanner = make_secrets_scanner();
  std::vector<Finding> out;
  scanner->scan(text, ctx, out);
  return out;
}

Found found(std::string_view text) {
  std::vector<Finding> f = scan(text);
  std::sort(f.begin(), f.end(), [](const Finding& a, const Finding& b) { return a.start < b.start; });
  Found out;
  for (const Finding& x : f) out.emplace_back(x.type, std::string(text.substr(x.start, x.end - x.start)));
  return out;
}

TEST(SecretsScanner, KindAndTypes) {
  EXPECT_EQ(make_secrets_scanner()->kind(), ScannerKind::kSecrets);
  EXPECT_EQ(secrets_types().size(), 14u);
}

TEST(SecretsScanner, Entropy) {
  EXPECT_DOUBLE_EQ(shannon_entropy_bits(""), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy_bits("aaaa"), 0.0);
  EXPECT_DOUBLE_EQ(shannon_entropy_bits("abab"), 1.0);
  EXPECT_DOUBLE_EQ(shannon_entropy_bits("0123456789abcdef"), 4.0);
}

TEST(SecretsScanner, CloudAndVcsTokens) {
  EXPECT_EQ(found("aws_access_key_id = AKIAIOSFODNN7EXAMPLE"), (Found{{"AWS_ACCESS_KEY", "AKIAIOSFODNN7EXAMPLE"}}));
  EXPECT_EQ(found("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            (Found{{"AWS_SECRET_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}}));
  // 40 base64 characters without AWS context are not an AWS secret.
  EXPECT_TRUE(found("checksum wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").empty());
  EXPECT_EQ(found("token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789."),
            (Found{{"GITHUB_TOKEN", "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"}}));
  const std::string pat = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX";
  EXPECT_EQ(found("GH_TOKEN=" + pat), (Found{{"GITHUB_TOKEN", pat}}));
  EXPECT_EQ(found("glpat-xYz12345678901234567"), (Found{{"GITLAB_TOKEN", "glpat-xYz12345678901234567"}}));
  EXPECT_EQ(found("AIzaSyD-1234567890abcdefghijklmnopqrstu"),
            (Found{{"GOOGLE_API_KEY", "AIzaSyD-1234567890abcdefghijklmnopqrstu"}}));
  // Glued to more token characters: not a token of that shape.
  EXPECT_TRUE(found("XAKIAIOSFODNN7EXAMPLE").empty());
}

TEST(SecretsScanner, ChatAndPaymentTokens) {
  EXPECT_EQ(found("SLACK_BOT_TOKEN=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"),
            (Found{{"SLACK_TOKEN", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"}}));
  EXPECT_EQ(found("post to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX now"),
            (Found{{"SLACK_TOKEN", "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"}}));
  EXPECT_EQ(found("stripe sk_live_51H8abcdefGHIJKLmnopQRSTuvwx"),
            (Found{{"STRIPE_KEY", "sk_live_51H8abcdefGHIJKLmnopQRSTuvwx"}}));
  EXPECT_EQ(found("rk_test_51H8abcdefGHIJKLmnopQRSTuvwx"),
            (Found{{"STRIPE_KEY", "rk_test_51H8abcdefGHIJKLmnopQRSTuvwx"}}));
}

TEST(SecretsScanner, ModelProviderKeys) {
  const std::string openai = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6lMn9o";
  const std::string anthropic = "sk-ant-api03-AbCdEf1234567890GhIjKlMnOpQrStUvWxYz-_abcdEFGH";
  EXPECT_EQ(found("export OPENAI_API_KEY=" + openai), (Found{{"OPENAI_API_KEY", openai}}));
  EXPECT_EQ(found("export ANTHROPIC_API_KEY=" + anthropic), (Found{{"ANTHROPIC_API_KEY", anthropic}}));
  EXPECT_EQ(found("old key sk-AbCdEfGh1234567890IjKlMnOpQrStUvWxYz12345678 revoked"),
            (Found{{"OPENAI_API_KEY", "sk-AbCdEfGh1234567890IjKlMnOpQrStUvWxYz12345678"}}));
  EXPECT_TRUE(found("a risk-free-investment-strategy-for-2024 and sk-learn-is-a-library-name").empty());
}

TEST(SecretsScanner, JwtNeedsAJsonHeaderWithAlg) {
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
      "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
  EXPECT_EQ(found("Authorization: Bearer " + jwt), (Found{{"JWT", jwt}}));
  // eyJ + base64 of {"foo":"bar"}: JSON, but no "alg".
  EXPECT_TRUE(found("eyJmb28iOiJiYXIifQ.eyJzdWIiOiIxMjM0In0.abc").empty());
}

TEST(SecretsScanner, PrivateKeyBlocks) {
  const std::string block =
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1234567890abcdef\nabcdefABCDEF0987654321==\n"
      "-----END RSA PRIVATE KEY-----";
  const std::string text = "key:\n" + block + "\nthanks";
  std::vector<Finding> f = scan(text);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].type, "PRIVATE_KEY");
  EXPECT_EQ(f[0].start, 5u);
  EXPECT_EQ(f[0].end, 5u + block.size());
  // Truncated paste: BEGIN and the base64 lines after it.
  EXPECT_EQ(found("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nAAAABG5vbmU=\n\nmore text"),
            (Found{{"PRIVATE_KEY", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nAAAABG5vbmU="}}));
  EXPECT_TRUE(found("-----BEGIN PUBLIC KEY-----\nMIIBIjAN\n-----END PUBLIC KEY-----").empty());
}

TEST(SecretsScanner, ConnectionStringsSpanTheWholeUrl) {
  EXPECT_EQ(found("DATABASE_URL=postgres://admin:S3cr3tP4ss@db.example.com:5432/prod."),
            (Found{{"CONNECTION_STRING", "postgres://admin:S3cr3tP4ss@db.example.com:5432/prod"}}));
  EXPECT_EQ(found("uri: mongodb+srv://user:hunter2@cluster0.mongodb.net/test?retryWrites=true"),
            (Found{{"CONNECTION_STRING", "mongodb+srv://user:hunter2@cluster0.mongodb.net/test?retryWrites=true"}}));
  EXPECT_EQ(found("redis://:p4ssw0rd@cache:6379/0 and amqp://guest:guest123@rabbit/"),
            (Found{{"CONNECTION_STRING", "redis://:p4ssw0rd@cache:6379/0"},
                   {"CONNECTION_STRING", "amqp://guest:guest123@rabbit/"}}));
  EXPECT_TRUE(found("postgres://user:${DB_PASSWORD}@db/app and mysql://root:****@localhost/x").empty());
  EXPECT_TRUE(found("see https://example.com/docs and postgres://db.example.com/app").empty());
}

TEST(SecretsScanner, PasswordAssignmentsSpanTheValue) {
  EXPECT_EQ(found(R"({"user": "bob", "password": "Tr0ub4dor&3"})"), (Found{{"PASSWORD_ASSIGNMENT", "Tr0ub4dor&3"}}));
  EXPECT_EQ(found("DB_PASSWORD=hunter22\nDB_USER=app"), (Found{{"PASSWORD_ASSIGNMENT", "hunter22"}}));
  EXPECT_EQ(found("pwd: qwerty123!"), (Found{{"PASSWORD_ASSIGNMENT", "qwerty123!"}}));
  EXPECT_EQ(found("Mi contraseña es Perro2024."), (Found{{"PASSWORD_ASSIGNMENT", "Perro2024"}}));
  EXPECT_EQ(found("Мой пароль: Qwerty!2024"), (Found{{"PASSWORD_ASSIGNMENT", "Qwerty!2024"}}));
  EXPECT_TRUE(found("The password is incorrect. Password: required. Forgot your password?").empty());
  EXPECT_TRUE(
      found("password = os.environ['DB_PASSWORD']; password = getpass(); password: str; password=None").empty());
  EXPECT_TRUE(found("passport: AB1234567, bypass=true, password_hash = abcdef123").empty());
}

TEST(SecretsScanner, GenericSecretsNeedAKeyWordAndEntropy) {
  EXPECT_EQ(found("api_key = 'Zx8Qw2Er5Ty7Ui9Op1As3Df6Gh'"), (Found{{"GENERIC_SECRET", "Zx8Qw2Er5Ty7Ui9Op1As3Df6Gh"}}));
  EXPECT_EQ(found("Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc"),
            (Found{{"GENERIC_SECRET", "9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc"}}));
  EXPECT_EQ(found("токен: Gh5Jk8Lm2Np4Qr6St9Vw1Xy3Za7Bc0De"),
            (Found{{"GENERIC_SECRET", "Gh5Jk8Lm2Np4Qr6St9Vw1Xy3Za7Bc0De"}}));
  // A git hash in a log, a UUID next to "key", a low-entropy value, a word
  // after "keyboard", a base64 image: none is a secret.
  EXPECT_TRUE(found("commit 9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc\nAuthor: Ana").empty());
  EXPECT_TRUE(found("key: 550e8400-e29b-41d4-a716-446655440000").empty());
  EXPECT_TRUE(found("token = aaaaaaaaaaaaaaaaaaaaaaaa1").empty());
  EXPECT_TRUE(found("keyboard Zx8Qw2Er5Ty7Ui9Op1As3Df6Gh").empty());
  EXPECT_TRUE(found("secret: " + std::string("data:image/png;base64,") + std::string(300, 'Q') + "1x").empty());
}

TEST(SecretsScanner, OptionsFilterTypes) {
  std::vector<Finding> out;
  make_secrets_scanner({.types = {"JWT"}})->scan("AKIAIOSFODNN7EXAMPLE", {}, out);
  EXPECT_TRUE(out.empty());
}

TEST(SecretsScanner, SizeBoundReportsIncomplete) {
  const std::string text = "AKIAIOSFODNN7EXAMPLE and later AKIAIOSFODNN7EXAMPLF";
  ScanContext ctx;
  ctx.max_bytes = 25;
  std::vector<Finding> f = scan(text, ctx);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].type, "AWS_ACCESS_KEY");
  EXPECT_EQ(f[1].type, "SCAN_INCOMPLETE");
  EXPECT_EQ(f[1].rule, "secrets.limit");
  EXPECT_EQ(f[1].start, 25u);
  EXPECT_EQ(f[1].end, text.size());
}

TEST(SecretsScanner, OneMegabyteIsLinear) {
  std::string text;
  while (text.size() < (1u << 20)) {
    text += "password=hunter22 key: Zx8Qw2Er5Ty7Ui9Op1As3Df6Gh AKIAIOSFODNN7EXAMPLE eyJhbGciOi.x. sk- ";
    text += "-----BEGIN PRIVATE KEY----- postgres://a:b@ ::::: token token token ";
  }
  const std::string one_token = "secret: " + std::string(1u << 20, 'A');
  ScanContext ctx;
  ctx.max_bytes = 4u << 20;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<Finding> f = scan(text, ctx);
  const std::vector<Finding> g = scan(one_token, ctx);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_GT(f.size(), 10000u);
  EXPECT_TRUE(g.empty());
  EXPECT_LT(seconds, 5.0);
}

}  // namespace
}  // namespace servir::guard
