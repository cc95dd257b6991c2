#include "guard/secrets_scanner.h"

namespace servir::guard {
namespace {

class SecretsScanner final : public Scanner {
 public:
  explicit SecretsScanner(const SecretsScannerOptions& options) : options_(options) {}
  ScannerKind kind() const override { return ScannerKind::kSecrets; }
  void scan(std::string_view text, const ScanContext& ctx, std::vector<Finding>& out) const override {
    if (text.size() > ctx.max_bytes) out.push_back(incomplete_scan_finding(kind(), ctx.max_bytes, text.size()));
  }

 private:
  SecretsScannerOptions options_;
};

}  // namespace

std::unique_ptr<Scanner> make_secrets_scanner(const SecretsScannerOptions& options) {
  return std::make_unique<SecretsScanner>(options);
}

const std::vector<std::string>& secrets_types() {
  static const std::vector<std::string> kTypes = {
      "AWS_ACCESS_KEY", "AWS_SECRET_KEY",    "GITHUB_TOKEN",        "GITLAB_TOKEN",   "SLACK_TOKEN",
      "STRIPE_KEY",     "OPENAI_API_KEY",    "ANTHROPIC_API_KEY",   "GOOGLE_API_KEY", "JWT",
      "PRIVATE_KEY",    "CONNECTION_STRING", "PASSWORD_ASSIGNMENT", "GENERIC_SECRET"};
  return kTypes;
}

}  // namespace servir::guard
