#include "formats/gptq_awq_repack.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "util/half.h"

namespace servir {
namespace {

std::uint32_t load_u32(const std::byte* base, std::size_t index) {
  std::uint32_t v;
  std::memcpy(&v, base + index * 4, 4);
  return v;
}

std::uint16_t load_u16(const std::byte* base, std::size_t index) {
  std::uint16_t v;
  std::memcpy(&v, base + index * 2, 2);
  return v;
}

// ggml block layouts (formats/ sees bytes only; kernels/quant has the structs).
constexpr std::size_t kQ4_0BlockBytes = 18;  // f16 d, 16 bytes: nibble j = value j, high nibble = value j + 16
constexpr std::size_t kQ8_0BlockBytes = 34;  // f16 d, 32 int8

}  // namespace

Result<PackedShapes> packed_shapes(const QuantizationConfig& q, std::int64_t out, std::int64_t in) {
  const std::int64_t pf = q.pack_factor();
  const std::int64_t group = q.group_length(in);
  if (in <= 0 || out <= 0 || in % 32 != 0) {
    return make_error(ErrorCode::kUnsupported, "a [{}, {}] linear layer: input width must be a multiple of 32", out,
                      in);
  }
  if (in % group != 0) {
    return make_error(ErrorCode::kUnsupported, "input width {} is not a multiple of group_size {}", in, group);
  }
  if (out % pf != 0) {
    return make_error(ErrorCode::kUnsupported, "output width {} is not a multiple of the pack factor {}", out, pf);
  }
  const std::int64_t groups = in / group;
  PackedShapes s;
  if (q.method == QuantMethod::kGptq) {
    s.qweight = {in / pf, out};
    s.qzeros = {groups, out / pf};
    s.g_idx = {in};
  } else {
    s.qweight = {in, out / pf};
    s.qzeros = {groups, out / pf};
  }
  s.scales = {groups, out};
  return s;
}

Result<UnpackedLinear> unpack_linear(const QuantizationConfig& q, const PackedLinearParts& parts, std::int64_t out,
                                     std::int64_t in) {
  auto shapes = packed_shapes(q, out, in);
  if (!shapes) return std::move(shapes).status();
  const int bits = q.bits;
  const std::uint32_t mask = (1u << bits) - 1;
  const std::int64_t pf = q.pack_factor();
  UnpackedLinear u;
  u.out = out;
  u.in = in;
  u.n_groups = shapes->scales[0];
  const auto o = static_cast<std::size_t>(out);
  u.levels.resize(o * static_cast<std::size_t>(in));
  u.zeros.resize(o * static_cast<std::size_t>(u.n_groups));
  u.scales.resize(u.zeros.size());
  u.group_of.resize(static_cast<std::size_t>(in));
  const std::int64_t group = q.group_length(in);
  for (std::int64_t k = 0; k < in; ++k) u.group_of[static_cast<std::size_t>(k)] = static_cast<std::int32_t>(k / group);
  if (q.method == QuantMethod::kGptq && parts.g_idx != nullptr) {
    for (std::int64_t k = 0; k < in; ++k) {
      const auto g = static_cast<std::int32_t>(load_u32(parts.g_idx, static_cast<std::size_t>(k)));
      if (g < 0 || g >= u.n_groups) {
        return make_error(ErrorCode::kCorruptData, "g_idx[{}] = {} is outside the {} groups", k, g, u.n_groups);
      }
      u.group_of[static_cast<std::size_t>(k)] = g;
    }
  }
  for (std::int64_t g = 0; g < u.n_groups; ++g) {
    for (std::int64_t n = 0; n < out; ++n) {
      const auto gi = static_cast<std::size_t>(g);
      const auto ni = static_cast<std::size_t>(n);
      const std::size_t at = ni * static_cast<std::size_t>(u.n_groups) + gi;
      u.scales[at] = load_u16(parts.scales, gi * o + ni);
      const std::uint32_t word = load_u32(parts.qzeros, gi * (o / pf) + ni / pf);
      // GPTQ packs outputs in order; AWQ interleaves them within a word.
      const int slot = q.method == QuantMethod::kGptq
                           ? static_cast<int>(n % pf)
                           : static_cast<int>(std::find(kAwqOrder, kAwqOrder + 8, n % 8) - kAwqOrder);
      std::uint32_t z = (word >> (bits * slot)) & mask;
      if (q.zeros_minus_one) z += 1;  // AutoGPTQ v1 (what transformers/optimum and AutoGPTQ's kernels do)
      u.zeros[at] = static_cast<std::uint16_t>(z);
    }
  }
  if (q.method == QuantMethod::kGptq) {
    for (std::int64_t i = 0; i < in / pf; ++i) {
      for (std::int64_t n = 0; n < out; ++n) {
        const std::uint32_t word =
            load_u32(parts.qweight, static_cast<std::size_t>(i) * o + static_cast<std::size_t>(n));
        for (std::int64_t j = 0; j < pf; ++j) {
          u.levels[static_cast<std::size_t>(n * in + i * pf + j)] =
              static_cast<std::uint8_t>((word >> (bits * j)) & mask);
        }
      }
    }
  } else {
    for (std::int64_t k = 0; k < in; ++k) {
      for (std::int64_t i = 0; i < out / 8; ++i) {
        const std::uint32_t word =
            load_u32(parts.qweight, static_cast<std::size_t>(k) * (o / 8) + static_cast<std::size_t>(i));
        for (int j = 0; j < 8; ++j) {
          const std::int64_t n = 8 * i + kAwqOrder[j];
          u.levels[static_cast<std::size_t>(n * in + k)] = static_cast<std::uint8_t>((word >> (4 * j)) & 0xF);
        }
      }
    }
  }
  return u;
}

std::vector<float> dequantize_linear(const UnpackedLinear& u) {
  std::vector<float> w(u.levels.size());
  for (std::int64_t n = 0; n < u.out; ++n) {
    for (std::int64_t k = 0; k < u.in; ++k) {
      const std::size_t at = static_cast<std::size_t>(n * u.n_groups + u.group_of[static_cast<std::size_t>(k)]);
      const float d = f16_to_f32(u.scales[at]);
      const auto i = static_cast<std::size_t>(n * u.in + k);
      w[i] = d * static_cast<float>(static_cast<int>(u.levels[i]) - static_cast<int>(u.zeros[at]));
    }
  }
  return w;
}

Result<RepackedLinear> repack_linear(const QuantizationConfig& q, const UnpackedLinear& u, std::string_view name) {
  RepackedLinear r;
  r.n_groups = u.n_groups;
  r.group_length = u.in / u.n_groups;
  // Columns grouped: a stable sort by group keeps the original order within
  // a group, so without act-order this is the identity.
  std::vector<std::int32_t> order(static_cast<std::size_t>(u.in));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
    return u.group_of[static_cast<std::size_t>(a)] < u.group_of[static_cast<std::size_t>(b)];
  });
  for (std::int64_t i = 0; i < u.in; ++i) {
    const std::int64_t g = u.group_of[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])];
    if (g != i / r.group_length) {
      return make_error(ErrorCode::kUnsupported,
                        "{}: g_idx does not give every group {} columns (group {} is uneven), which servir cannot "
                        "lay out in 32-value blocks",
                        name, r.group_length, g);
    }
  }
  bool identity = true;
  for (std::int64_t i = 0; i < u.in && identity; ++i) identity = order[static_cast<std::size_t>(i)] == i;
  if (!identity) r.input_order = order;

  const int center = 1 << (q.bits - 1);  // 8 or 128: the zero point of a symmetric level
  bool all_centered = true;
  for (std::uint16_t z : u.zeros) all_centered = all_centered && z == center;
  if (q.bits == 8 && !all_centered) {
    return make_error(ErrorCode::kUnsupported, "{}: 8-bit zero points other than 128 (asymmetric) are not supported",
                      name);
  }
  if (!all_centered) {
    r.group_offsets.resize(u.zeros.size());
    for (std::size_t i = 0; i < u.zeros.size(); ++i) {
      // Exact in f32: an f16 times a small integer.
      r.group_offsets[i] = f16_to_f32(u.scales[i]) * static_cast<float>(center - static_cast<int>(u.zeros[i]));
    }
  }

  r.type = q.bits == 4 ? GgmlType::kQ4_0 : GgmlType::kQ8_0;
  const std::size_t block_bytes = q.bits == 4 ? kQ4_0BlockBytes : kQ8_0BlockBytes;
  const std::int64_t blocks_per_row = u.in / 32;
  r.blocks.resize(static_cast<std::size_t>(u.out * blocks_per_row) * block_bytes);
  auto column = [&](std::int64_t i) -> std::int64_t {
    return r.input_order.empty() ? i : r.input_order[static_cast<std::size_t>(i)];
  };
  for (std::int64_t n = 0; n < u.out; ++n) {
    const std::uint8_t* levels = u.levels.data() + n * u.in;
    for (std::int64_t b = 0; b < blocks_per_row; ++b) {
      std::byte* block = r.blocks.data() + static_cast<std::size_t>(n * blocks_per_row + b) * block_bytes;
      const std::int64_t g = (32 * b) / r.group_length;  // a block never straddles groups (group_length % 32 == 0)
      const std::uint16_t d = u.scales[static_cast<std::size_t>(n * u.n_groups + g)];
      std::memcpy(block, &d, 2);
      if (q.bits == 4) {
        for (int j = 0; j < 16; ++j) {
          const auto lo = static_cast<unsigned>(levels[column(32 * b + j)]);
          const auto hi = static_cast<unsigned>(levels[column(32 * b + j + 16)]);
          block[2 + j] = static_cast<std::byte>(lo | (hi << 4));
        }
      } else {
        for (int j = 0; j < 32; ++j) {
          const auto v = static_cast<std::int8_t>(static_cast<int>(levels[column(32 * b + j)]) - 128);
          std::memcpy(block + 2 + j, &v, 1);
        }
      }
    }
  }
  return r;
}

}  // namespace servir
