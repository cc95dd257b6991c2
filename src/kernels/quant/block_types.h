// Byte layouts of the GGUF/ggml quantized blocks, bit-exact with the files
// (ggml-common.h). Scales are stored as raw f16 bits (uint16_t) except in
// Q8_K, which is an activation-only type with an f32 scale.
//
//   Q4_0  32 el, 18 B: d, 16 bytes of nibbles; element j   = lo(qs[j]) - 8,
//                      element j+16 = hi(qs[j]) - 8; x = d * q.
//   Q4_1  32 el, 20 B: d, m, nibbles as Q4_0 without the -8; x = d * q + m.
//   Q5_0  32 el, 22 B: d, qh (bit j = 5th bit of element j), nibbles;
//                      x = d * (q - 16).
//   Q5_1  32 el, 24 B: d, m, qh, nibbles; x = d * q + m.
//   Q8_0  32 el, 34 B: d, 32 int8; x = d * q.
//   Q4_K 256 el, 144 B: d, dmin, 12 bytes of packed 6-bit (scale, min) for
//                      8 sub-blocks of 32, 128 bytes of nibbles. Each 64
//                      elements use 32 bytes: low nibbles the first 32, high
//                      nibbles the next 32. x = d*sc*q - dmin*m.
//   Q5_K 256 el, 176 B: as Q4_K plus qh[32]: bit 2i / 2i+1 of qh[l] is the
//                      5th bit of element l of sub-block 2i / 2i+1.
//   Q6_K 256 el, 210 B: ql[128] low nibbles, qh[64] 2-bit highs, 16 int8
//                      scales (one per 16), d last. x = d*sc*(q - 32).
//   Q8_K 256 el, 292 B: f32 d, 256 int8, 16 int16 sums of each 16 values.
#pragma once

#include <cstddef>
#include <cstdint>

namespace servir::kernels {

inline constexpr int kQK = 32;     // elements per block of the 32-wide types
inline constexpr int kQK_K = 256;  // elements per super-block of the K types

struct BlockQ4_0 {
  std::uint16_t d;
  std::uint8_t qs[kQK / 2];
};
struct BlockQ4_1 {
  std::uint16_t d;
  std::uint16_t m;
  std::uint8_t qs[kQK / 2];
};
struct BlockQ5_0 {
  std::uint16_t d;
  std::uint8_t qh[4];
  std::uint8_t qs[kQK / 2];
};
struct BlockQ5_1 {
  std::uint16_t d;
  std::uint16_t m;
  std::uint8_t qh[4];
  std::uint8_t qs[kQK / 2];
};
struct BlockQ8_0 {
  std::uint16_t d;
  std::int8_t qs[kQK];
};
struct BlockQ4_K {
  std::uint16_t d;
  std::uint16_t dmin;
  std::uint8_t scales[12];
  std::uint8_t qs[kQK_K / 2];
};
struct BlockQ5_K {
  std::uint16_t d;
  std::uint16_t dmin;
  std::uint8_t scales[12];
  std::uint8_t qh[kQK_K / 8];
  std::uint8_t qs[kQK_K / 2];
};
struct BlockQ6_K {
  std::uint8_t ql[kQK_K / 2];
  std::uint8_t qh[kQK_K / 4];
  std::int8_t scales[kQK_K / 16];
  std::uint16_t d;
};
struct BlockQ8_K {
  float d;
  std::int8_t qs[kQK_K];
  std::int16_t bsums[kQK_K / 16];
};

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// The 6-bit (scale, min) pair of sub-block j (0..7) of a Q4_K/Q5_K block.
// Internal linkage: this header is included by per-ISA translation units.
static inline void k_scale_min(int j, const std::uint8_t* q, std::uint8_t* scale, std::uint8_t* min) {
  if (j < 4) {
    *scale = q[j] & 63;
    *min = q[j + 4] & 63;
  } else {
    *scale = static_cast<std::uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    *min = static_cast<std::uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

}  // namespace servir::kernels
