// Helpers for the scalar reference quantizers (scalar translation units only).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace servir::kernels::ref {

// Round to nearest, ties to even, like the vector instructions the fast
// activation quantizers use. Adding 1.5 * 2^23 leaves the rounded integer in
// the low mantissa bits (exact for |x| <= 2^22, which every caller's
// clamped levels are): the same result as std::nearbyint, which on baseline
// x86-64 is a libm call per element and dominated `servir quantize`.
inline int nearest_int(float x) {
  const float shifted = x + 12582912.0f;
  std::int32_t bits;
  std::memcpy(&bits, &shifted, sizeof(bits));
  return (bits & 0x007fffff) - 0x00400000;
}

// Fits x[i] ~= scale * L[i] - min with L in [0, nmax] and min >= 0,
// minimizing sum w[i] * err^2 over a grid of starting scales
// (nmax + rmin + rdelta * k) / (max - min), k = 0..nstep, each refined by
// weighted least squares (llama.cpp's make_qkx2_quants; Q4_K searches
// rmin -1, 20 steps; Q5_K rmin -0.5, 15 steps; rdelta 0.1).
// Writes L, returns scale, stores min in *min_out.
float fit_scale_min(int n, int nmax, const float* x, const float* w, std::uint8_t* L, float* min_out, float rmin,
                    float rdelta, int nstep);

// Fits x[i] ~= scale * L[i] with L in [-nmax, nmax - 1], weighted by w.
// Writes L + nmax (so 0..2*nmax-1) and returns scale.
float fit_scale_symmetric(int n, int nmax, const float* x, const float* w, std::uint8_t* L);

// Q4_K (nmax 15) and Q5_K (nmax 31): picks the f16 super-scales and the packed
// 6-bit (scale, min) pairs of one 256-element block, then its levels L[256].
void quantize_k_block(const float* x, int nmax, std::uint16_t* d_out, std::uint16_t* dmin_out, std::uint8_t* scales_out,
                      std::uint8_t* L);

}  // namespace servir::kernels::ref
