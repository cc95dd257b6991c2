#include "guard/pii_scanner.h"

namespace servir::guard {
namespace {

class PiiScanner final : public Scanner {
 public:
  explicit PiiScanner(const PiiScannerOptions& options) : options_(options) {}
  ScannerKind kind() const override { return ScannerKind::kPii; }
  void scan(std::string_view text, const ScanContext& ctx, std::vector<Finding>& out) const override {
    if (text.size() > ctx.max_bytes) out.push_back(incomplete_scan_finding(kind(), ctx.max_bytes, text.size()));
  }

 private:
  PiiScannerOptions options_;
};

}  // namespace

std::unique_ptr<Scanner> make_pii_scanner(const PiiScannerOptions& options) {
  return std::make_unique<PiiScanner>(options);
}

const std::vector<std::string>& pii_entity_types() {
  static const std::vector<std::string> kTypes = {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE",
                                                  "IP_ADDRESS",    "US_SSN",       "ES_NIF",      "ES_NIE",
                                                  "ES_CIF",        "RU_INN",       "RU_SNILS",    "RU_OGRN"};
  return kTypes;
}

}  // namespace servir::guard
