// Shannon entropy of a token, for the secrets scanner's GENERIC_SECRET rule.
#pragma once

#include <string_view>

namespace servir::guard {

// -sum(p * log2 p) over the byte frequencies of `token`, in bits per byte:
// 0 for "aaaa", at most log2(size) and log2(alphabet). Random hex gives about
// 3.7-3.9 for 32+ characters, random base64 4.2-5.2 for 20-64; English words
// and identifiers stay around 2.5-3.5.
double shannon_entropy_bits(std::string_view token);

}  // namespace servir::guard
