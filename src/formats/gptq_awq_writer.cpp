#include "formats/gptq_awq_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>

#include <fmt/format.h>

#include "formats/safetensors.h"
#include "util/half.h"
#include "util/splitmix.h"

namespace servir {
namespace {

namespace fs = std::filesystem;

// The projections GPTQ quantizes: every 2-D layer tensor (embeddings and
// the output stay float, as in the tools' checkpoints).
bool is_quantized(const ExpectedTensor& t) { return !t.is_vector && t.shape.size() == 2 && t.name.starts_with("blk."); }

// Which input a projection reads, so that the ones sharing it share an
// act-order permutation.
std::string input_key(const std::string& name, bool shared) {
  if (!shared) return name;
  const std::string layer = name.substr(0, name.find('.', 4));
  for (const char* part : {".attn_q.", ".attn_k.", ".attn_v."}) {
    if (name.find(part) != std::string::npos) return layer + ".attn_in";
  }
  for (const char* part : {".ffn_gate.", ".ffn_up."}) {
    if (name.find(part) != std::string::npos) return layer + ".ffn_in";
  }
  return name;
}

std::vector<std::int32_t> act_order_groups(std::uint64_t seed, const std::string& key, std::int64_t in,
                                           std::int64_t group) {
  std::vector<std::int32_t> perm(static_cast<std::size_t>(in));
  std::iota(perm.begin(), perm.end(), 0);
  std::uint64_t state = seed ^ fnv1a64(key);
  for (std::size_t i = perm.size(); i > 1; --i) {
    std::swap(perm[i - 1], perm[splitmix64_next(state) % i]);
  }
  std::vector<std::int32_t> group_of(perm.size());
  for (std::size_t j = 0; j < perm.size(); ++j) {
    group_of[static_cast<std::size_t>(perm[j])] = static_cast<std::int32_t>(static_cast<std::int64_t>(j) / group);
  }
  return group_of;
}

std::string hf_packed_name(const std::string& internal, std::string_view part) {
  std::string hf = *internal_to_hf_name(internal);
  return hf.substr(0, hf.size() - std::string_view(".weight").size()) + std::string(part);
}

Status write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) return make_error(ErrorCode::kIoError, "{}: write failed", path.string());
  return {};
}

Status copy_tokenizer(const std::string& from, const fs::path& folder) {
  std::error_code ec;
  const fs::path source(from);
  const fs::path dir = fs::is_directory(source, ec) ? source : source.parent_path();
  if (!fs::is_directory(source, ec)) {
    fs::copy_file(source, folder / "tokenizer.json", fs::copy_options::overwrite_existing, ec);
    if (ec) return make_error(ErrorCode::kIoError, "{}: cannot copy: {}", source.string(), ec.message());
  }
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                           "generation_config.json", "tokenizer.model"}) {
    if (fs::is_directory(source, ec) || std::string_view(name) != "tokenizer.json") {
      if (fs::exists(dir / name, ec)) {
        fs::copy_file(dir / name, folder / name, fs::copy_options::overwrite_existing, ec);
        if (ec) return make_error(ErrorCode::kIoError, "{}: cannot copy: {}", (dir / name).string(), ec.message());
      }
    }
  }
  return {};
}

// One quantized matrix at a time, shared by the fillers of its parts (the
// safetensors writer fills tensors in the order they were added).
struct LinearCache {
  std::string name;
  UnpackedLinear unpacked;
  PackedLinearBytes packed;
};

}  // namespace

UnpackedLinear quantize_linear_rtn(const QuantizationConfig& q, std::span<const float> w, std::int64_t out,
                                   std::int64_t in, std::span<const std::int32_t> group_of) {
  const std::int64_t group = q.group_length(in);
  UnpackedLinear u;
  u.out = out;
  u.in = in;
  u.n_groups = in / group;
  u.group_of.resize(static_cast<std::size_t>(in));
  for (std::int64_t k = 0; k < in; ++k) {
    u.group_of[static_cast<std::size_t>(k)] =
        group_of.empty() ? static_cast<std::int32_t>(k / group) : group_of[static_cast<std::size_t>(k)];
  }
  u.levels.resize(static_cast<std::size_t>(out * in));
  u.zeros.resize(static_cast<std::size_t>(out * u.n_groups));
  u.scales.resize(u.zeros.size());
  const int maxq = (1 << q.bits) - 1;
  std::vector<float> lo(static_cast<std::size_t>(u.n_groups)), hi(lo.size());
  for (std::int64_t n = 0; n < out; ++n) {
    const float* row = w.data() + n * in;
    std::fill(lo.begin(), lo.end(), 0.0f);  // the range always holds 0, as in AutoGPTQ
    std::fill(hi.begin(), hi.end(), 0.0f);
    for (std::int64_t k = 0; k < in; ++k) {
      const auto g = static_cast<std::size_t>(u.group_of[static_cast<std::size_t>(k)]);
      lo[g] = std::min(lo[g], row[k]);
      hi[g] = std::max(hi[g], row[k]);
    }
    for (std::int64_t g = 0; g < u.n_groups; ++g) {
      const auto gi = static_cast<std::size_t>(g);
      float scale;
      int zero;
      if (q.symmetric) {
        const float m = std::max(-lo[gi], hi[gi]);
        scale = 2.0f * m / static_cast<float>(maxq);
        zero = (maxq + 1) / 2;
      } else {
        scale = (hi[gi] - lo[gi]) / static_cast<float>(maxq);
        zero = scale > 0 ? static_cast<int>(std::lround(-lo[gi] / scale)) : 0;
        zero = std::clamp(zero, q.zeros_minus_one ? 1 : 0, maxq);
      }
      if (!(scale > 0)) scale = 1.0f;
      const std::size_t at = static_cast<std::size_t>(n * u.n_groups + g);
      u.scales[at] = f32_to_f16(scale);
      u.zeros[at] = static_cast<std::uint16_t>(zero);
    }
    for (std::int64_t k = 0; k < in; ++k) {
      const std::size_t at = static_cast<std::size_t>(n * u.n_groups + u.group_of[static_cast<std::size_t>(k)]);
      const float scale = f16_to_f32(u.scales[at]);
      const long level = std::lround(row[k] / scale) + u.zeros[at];
      u.levels[static_cast<std::size_t>(n * in + k)] = static_cast<std::uint8_t>(std::clamp<long>(level, 0, maxq));
    }
  }
  return u;
}

PackedLinearBytes pack_linear(const QuantizationConfig& q, const UnpackedLinear& u) {
  const std::int64_t pf = q.pack_factor();
  const std::int64_t out = u.out, in = u.in;
  PackedLinearBytes p;
  p.scales.resize(static_cast<std::size_t>(u.n_groups * out));
  for (std::int64_t g = 0; g < u.n_groups; ++g) {
    for (std::int64_t n = 0; n < out; ++n) {
      p.scales[static_cast<std::size_t>(g * out + n)] = u.scales[static_cast<std::size_t>(n * u.n_groups + g)];
    }
  }
  p.qzeros.assign(static_cast<std::size_t>(u.n_groups * out / pf), 0);
  for (std::int64_t g = 0; g < u.n_groups; ++g) {
    for (std::int64_t n = 0; n < out; ++n) {
      std::uint32_t z = u.zeros[static_cast<std::size_t>(n * u.n_groups + g)];
      if (q.zeros_minus_one) z -= 1;
      z &= (1u << q.bits) - 1;
      const int slot = q.method == QuantMethod::kGptq
                           ? static_cast<int>(n % pf)
                           : static_cast<int>(std::find(kAwqOrder, kAwqOrder + 8, n % 8) - kAwqOrder);
      auto& word = p.qzeros[static_cast<std::size_t>(g * (out / pf) + n / pf)];
      word = static_cast<std::int32_t>(static_cast<std::uint32_t>(word) | (z << (q.bits * slot)));
    }
  }
  if (q.method == QuantMethod::kGptq) {
    p.qweight.assign(static_cast<std::size_t>(in / pf * out), 0);
    for (std::int64_t k = 0; k < in; ++k) {
      for (std::int64_t n = 0; n < out; ++n) {
        const std::uint32_t level = u.levels[static_cast<std::size_t>(n * in + k)];
        auto& word = p.qweight[static_cast<std::size_t>((k / pf) * out + n)];
        word = static_cast<std::int32_t>(static_cast<std::uint32_t>(word) | (level << (q.bits * (k % pf))));
      }
    }
    p.g_idx = u.group_of;
  } else {
    p.qweight.assign(static_cast<std::size_t>(in * out / 8), 0);
    for (std::int64_t k = 0; k < in; ++k) {
      for (std::int64_t i = 0; i < out / 8; ++i) {
        std::uint32_t word = 0;
        for (int j = 0; j < 8; ++j) {
          word |= static_cast<std::uint32_t>(u.levels[static_cast<std::size_t>((8 * i + kAwqOrder[j]) * in + k)])
                  << (4 * j);
        }
        p.qweight[static_cast<std::size_t>(k * (out / 8) + i)] = static_cast<std::int32_t>(word);
      }
    }
  }
  return p;
}

TensorValues float_tensor_values(const ModelDescription& model) {
  return [&model](const ExpectedTensor& t, std::span<float> out) -> Status {
    const TensorEntry* e = model.find(t.name);
    if (e == nullptr || e->data == nullptr) {
      return make_error(ErrorCode::kNotFound, "{}: no float tensor '{}'", model.path(), t.name);
    }
    if (e->n_elements != out.size()) {
      return make_error(ErrorCode::kCorruptData, "{}: '{}' has {} values, expected {}", model.path(), t.name,
                        e->n_elements, out.size());
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
      std::uint16_t h;
      switch (e->type) {
        case GgmlType::kF32:
          std::memcpy(&out[i], e->data + 4 * i, 4);
          break;
        case GgmlType::kF16:
          std::memcpy(&h, e->data + 2 * i, 2);
          out[i] = f16_to_f32(h);
          break;
        case GgmlType::kBF16:
          std::memcpy(&h, e->data + 2 * i, 2);
          out[i] = bf16_to_f32(h);
          break;
        default:
          return make_error(ErrorCode::kUnsupported, "{}: '{}' is {}; converting needs F32, F16 or BF16", model.path(),
                            t.name, ggml_type_name(e->type));
      }
    }
    return {};
  };
}

nlohmann::json quantization_config_json(const QuantizationConfig& q) {
  if (q.method == QuantMethod::kAwq) {
    return {{"quant_method", "awq"}, {"bits", q.bits},    {"group_size", q.group_size},
            {"zero_point", true},    {"version", "gemm"}, {"modules_to_not_convert", nullptr}};
  }
  return {{"quant_method", "gptq"},
          {"bits", q.bits},
          {"group_size", q.group_size},
          {"desc_act", q.act_order},
          {"sym", q.symmetric},
          {"damp_percent", 0.01},
          {"true_sequential", true},
          {"static_groups", false},
          {"checkpoint_format", q.zeros_minus_one ? "gptq" : "gptq_v2"}};
}

Status write_quantized_checkpoint(const QuantizedCheckpointSpec& spec) {
  const QuantizationConfig& q = spec.quant;
  if (q.method == QuantMethod::kAwq && (q.act_order || q.symmetric || q.zeros_minus_one || q.bits != 4)) {
    return make_error(ErrorCode::kInvalidArgument, "AWQ is 4-bit, asymmetric, without act-order");
  }
  if (q.bits == 8 && !q.symmetric) return make_error(ErrorCode::kInvalidArgument, "8-bit GPTQ must be symmetric");
  const auto tensors = expected_tensors(spec.config);
  for (const auto& t : tensors) {
    if (!is_quantized(t)) continue;
    auto shapes = packed_shapes(q, t.shape[0], t.shape[1]);
    if (!shapes) return std::move(shapes).status().with_prefix(t.name);
  }
  auto values_of = [&spec](const ExpectedTensor& t) -> Result<std::vector<float>> {
    std::int64_t n = 1;
    for (auto d : t.shape) n *= d;
    std::vector<float> v(static_cast<std::size_t>(n));
    if (Status st = spec.values(t, v); !st.ok()) return st;
    return v;
  };
  auto quantized = [&spec, &q, values_of](const ExpectedTensor& t) -> Result<UnpackedLinear> {
    auto v = values_of(t);
    if (!v) return std::move(v).status();
    std::vector<std::int32_t> group_of;
    if (q.act_order) {
      group_of =
          act_order_groups(spec.seed, input_key(t.name, spec.shared_act_order), t.shape[1], q.group_length(t.shape[1]));
    }
    return quantize_linear_rtn(q, *v, t.shape[0], t.shape[1], group_of);
  };
  // Fillers cannot return errors; the first one is kept and reported.
  auto failure = std::make_shared<Status>();
  auto remember = [failure](const Status& st) {
    if (failure->ok() && !st.ok()) *failure = st;
  };
  auto store_f16 = [](const std::vector<float>& v, std::span<std::byte> out) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::uint16_t h = f32_to_f16(v[i]);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  };

  SafetensorsWriter writer;
  auto cache = std::make_shared<LinearCache>();
  for (const auto& t : tensors) {
    if (!is_quantized(t)) {
      Status st = writer.add_tensor(*internal_to_hf_name(t.name), "F16", {t.shape.begin(), t.shape.end()},
                                    [t, values_of, remember, store_f16](std::span<std::byte> out) {
                                      auto v = values_of(t);
                                      if (!v) return remember(v.status());
                                      store_f16(*v, out);
                                    });
      if (!st.ok()) return st;
      continue;
    }
    auto shapes = *packed_shapes(q, t.shape[0], t.shape[1]);
    auto part = [t, cache, quantized, remember, &q](int which) {
      return [t, cache, quantized, remember, which, q](std::span<std::byte> out) {
        if (cache->name != t.name) {
          auto u = quantized(t);
          if (!u) return remember(u.status());
          cache->name = t.name;
          cache->unpacked = std::move(*u);
          cache->packed = pack_linear(q, cache->unpacked);
        }
        const PackedLinearBytes& p = cache->packed;
        const void* src = which == 0   ? static_cast<const void*>(p.qweight.data())
                          : which == 1 ? static_cast<const void*>(p.qzeros.data())
                          : which == 2 ? static_cast<const void*>(p.scales.data())
                                       : static_cast<const void*>(p.g_idx.data());
        std::memcpy(out.data(), src, out.size());
      };
    };
    auto add = [&](std::string_view suffix, const char* dtype, const std::vector<std::int64_t>& shape, int which) {
      return writer.add_tensor(hf_packed_name(t.name, suffix), dtype, {shape.begin(), shape.end()}, part(which));
    };
    for (Status st : {add(".qweight", "I32", shapes.qweight, 0), add(".qzeros", "I32", shapes.qzeros, 1),
                      add(".scales", "F16", shapes.scales, 2)}) {
      if (!st.ok()) return st;
    }
    if (q.method == QuantMethod::kGptq) {
      if (Status st = add(".g_idx", "I32", shapes.g_idx, 3); !st.ok()) return st;
    }
  }
  std::error_code ec;
  const fs::path folder(spec.out_path);
  fs::create_directories(folder, ec);
  if (ec) return make_error(ErrorCode::kIoError, "{}: cannot create folder: {}", folder.string(), ec.message());
  writer.set_metadata("format", "pt");
  if (Status st = writer.write((folder / "model.safetensors").string()); !st.ok()) return st;
  if (!failure->ok()) return *failure;
  nlohmann::json config = spec.config_json;
  config["torch_dtype"] = "float16";
  config["quantization_config"] = quantization_config_json(q);
  if (Status st = write_text(folder / "config.json", config.dump(2) + "\n"); !st.ok()) return st;
  if (spec.tokenizer_from) {
    if (Status st = copy_tokenizer(*spec.tokenizer_from, folder); !st.ok()) return st;
  }

  if (!spec.reference_path) return {};
  // The float model the integers stand for: dequantized projections, and
  // the other tensors as the f16 values the checkpoint holds.
  SafetensorsWriter reference;
  for (const auto& t : tensors) {
    Status st = reference.add_tensor(*internal_to_hf_name(t.name), "F32", {t.shape.begin(), t.shape.end()},
                                     [t, quantized, values_of, remember](std::span<std::byte> out) {
                                       std::vector<float> v;
                                       if (is_quantized(t)) {
                                         auto u = quantized(t);
                                         if (!u) return remember(u.status());
                                         v = dequantize_linear(*u);
                                       } else {
                                         auto r = values_of(t);
                                         if (!r) return remember(r.status());
                                         v = std::move(*r);
                                         for (float& x : v) x = f16_to_f32(f32_to_f16(x));
                                       }
                                       std::memcpy(out.data(), v.data(), out.size());
                                     });
    if (!st.ok()) return st;
  }
  const fs::path ref_folder(*spec.reference_path);
  fs::create_directories(ref_folder, ec);
  if (ec) return make_error(ErrorCode::kIoError, "{}: cannot create folder: {}", ref_folder.string(), ec.message());
  reference.set_metadata("format", "pt");
  if (Status st = reference.write((ref_folder / "model.safetensors").string()); !st.ok()) return st;
  if (!failure->ok()) return *failure;
  nlohmann::json ref_config = spec.config_json;
  ref_config["torch_dtype"] = "float32";
  ref_config.erase("quantization_config");
  if (Status st = write_text(ref_folder / "config.json", ref_config.dump(2) + "\n"); !st.ok()) return st;
  if (spec.tokenizer_from) return copy_tokenizer(*spec.tokenizer_from, ref_folder);
  return {};
}

}  // namespace servir
