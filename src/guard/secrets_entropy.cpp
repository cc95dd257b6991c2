#include "guard/secrets_entropy.h"

#include <array>
#include <cmath>

namespace servir::guard {

double shannon_entropy_bits(std::string_view token) {
  if (token.empty()) return 0.0;
  std::array<int, 256> counts{};
  for (char c : token) ++counts[static_cast<unsigned char>(c)];
  const double n = static_cast<double>(token.size());
  double bits = 0.0;
  for (int count : counts) {
    if (count == 0) continue;
    const double p = count / n;
    bits -= p * std::log2(p);
  }
  return bits;
}

}  // namespace servir::guard
