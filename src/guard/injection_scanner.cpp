#include "guard/injection_scanner.h"

namespace servir::guard {
namespace {

class InjectionScanner final : public Scanner {
 public:
  explicit InjectionScanner(const InjectionScannerOptions& options) : options_(options) {}
  ScannerKind kind() const override { return ScannerKind::kInjection; }
  void scan(std::string_view text, const ScanContext& ctx, std::vector<Finding>& out) const override {
    (void)text;
    (void)ctx;
    (void)out;
  }

 private:
  InjectionScannerOptions options_;
};

}  // namespace

std::unique_ptr<Scanner> make_injection_scanner(const InjectionScannerOptions& options) {
  return std::make_unique<InjectionScanner>(options);
}

}  // namespace servir::guard
