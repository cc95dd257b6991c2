// Fuzzes GPTQ/AWQ loading past the safetensors reader: the
// quantization_config parser (the input as config.json text) and the
// unpack + re-pack of a linear layer's packed tensors (the input's bytes as
// qweight/qzeros/scales/g_idx, for a config picked by the first bytes).
// Out-of-range g_idx and uneven act-order groups must be refused, never read
// or written out of bounds.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "formats/gptq_awq_repack.h"
#include "formats/quantization_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_discarded()) (void)servir::quantization_from_hf_json(json, "fuzz/config.json");
  if (size < 3) return 0;

  servir::QuantizationConfig q;
  const std::uint8_t flags = data[0];
  q.method = (flags & 1) ? servir::QuantMethod::kAwq : servir::QuantMethod::kGptq;
  q.bits = (flags & 2) && q.method == servir::QuantMethod::kGptq ? 8 : 4;
  q.symmetric = (flags & 4) != 0;
  q.act_order = (flags & 8) != 0;
  q.zeros_minus_one = (flags & 16) != 0;
  const std::int64_t groups[] = {32, 64, 128, -1};
  q.group_size = groups[(flags >> 5) & 3];
  const std::int64_t out = 8 * (1 + data[1] % 4);
  const std::int64_t in = 32 * (1 + data[2] % 4);
  auto shapes = servir::packed_shapes(q, out, in);
  if (!shapes.ok()) return 0;
  auto elements = [](const std::vector<std::int64_t>& s) {
    std::int64_t n = 1;
    for (auto d : s) n *= d;
    return static_cast<std::size_t>(n);
  };
  // Each part filled from the input in turn, zero where it runs out.
  std::size_t at = 3;
  auto take = [&](std::size_t bytes) {
    std::vector<std::byte> v(bytes);
    const std::size_t n = std::min(bytes, size - std::min(size, at));
    if (n > 0) std::memcpy(v.data(), data + at, n);
    at += n;
    return v;
  };
  const auto qweight = take(4 * elements(shapes->qweight));
  const auto qzeros = take(4 * elements(shapes->qzeros));
  const auto scales = take(2 * elements(shapes->scales));
  const auto g_idx = take(4 * static_cast<std::size_t>(in));
  servir::PackedLinearParts parts{qweight.data(), qzeros.data(), scales.data(),
                                  q.method == servir::QuantMethod::kGptq && q.act_order ? g_idx.data() : nullptr};
  auto unpacked = servir::unpack_linear(q, parts, out, in);
  if (!unpacked.ok()) return 0;
  auto repacked = servir::repack_linear(q, *unpacked, "fuzz");
  if (!repacked.ok()) return 0;
  return repacked->blocks.empty() ? 1 : 0;
}
