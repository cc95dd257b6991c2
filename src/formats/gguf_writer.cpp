#include "formats/gguf_writer.h"

#include <cstring>
#include <memory>

#include "formats/gguf_reader.h"
#include "util/atomic_write.h"

namespace servir {
namespace {

using Sink = std::function<void(std::span<const std::byte>)>;

template <typename T>
void put(const Sink& sink, T value) {
  sink(std::as_bytes(std::span<const T, 1>(&value, 1)));
}

void put_string(const Sink& sink, const std::string& s) {
  put<std::uint64_t>(sink, s.size());
  sink(std::as_bytes(std::span<const char>(s.data(), s.size())));
}

void put_value(const Sink& sink, const GgufValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          put_string(sink, v);
        } else if constexpr (std::is_same_v<T, GgufArray>) {
          put<std::uint32_t>(sink, static_cast<std::uint32_t>(v.element_type));
          put<std::uint64_t>(sink, v.values.size());
          for (const auto& item : v.values) {
            CHECK(item.type() == v.element_type) << "GGUF array mixes element types";
            put_value(sink, item);
          }
        } else if constexpr (std::is_same_v<T, bool>) {
          put<std::uint8_t>(sink, v ? 1 : 0);
        } else {
          put<T>(sink, v);
        }
      },
      value.storage());
}

void put_padding(const Sink& sink, std::uint64_t position, std::uint64_t alignment) {
  static constexpr std::byte kZeros[256] = {};
  std::uint64_t pad = (alignment - position % alignment) % alignment;
  while (pad > 0) {
    const std::uint64_t n = std::min<std::uint64_t>(pad, sizeof(kZeros));
    sink(std::span<const std::byte>(kZeros, n));
    pad -= n;
  }
}

}  // namespace

GgufWriter::GgufWriter(std::uint32_t alignment) : alignment_(alignment) {
  CHECK(alignment > 0 && (alignment & (alignment - 1)) == 0) << "alignment must be a power of two";
  if (alignment != kGgufDefaultAlignment) set("general.alignment", GgufValue(alignment));
}

void GgufWriter::set(const std::string& key, GgufValue value) {
  for (auto& [k, v] : metadata_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(key, std::move(value));
}

Status GgufWriter::add_tensor(const std::string& name, GgmlType type, std::vector<std::uint64_t> ne,
                              TensorFiller fill) {
  if (ne.empty() || ne.size() > kGgufMaxDims) {
    return make_error(ErrorCode::kInvalidArgument, "tensor '{}': {} dimensions (must be 1..4)", name, ne.size());
  }
  for (const auto& t : tensors_) {
    if (t.name == name) return make_error(ErrorCode::kInvalidArgument, "duplicate tensor '{}'", name);
  }
  std::uint64_t n_elements = 1;
  for (auto d : ne) {
    if (__builtin_mul_overflow(n_elements, d, &n_elements)) {
      return make_error(ErrorCode::kInvalidArgument, "tensor '{}': element count overflows", name);
    }
  }
  if (ne[0] % ggml_type_info(type).block_size != 0) {
    return make_error(ErrorCode::kInvalidArgument, "tensor '{}': row of {} is not a whole number of {} blocks", name,
                      ne[0], ggml_type_name(type));
  }
  const auto n_bytes = ggml_row_bytes(type, n_elements);
  if (!n_bytes) return make_error(ErrorCode::kInvalidArgument, "tensor '{}': byte size overflows", name);
  const std::uint64_t offset = (data_bytes_ + alignment_ - 1) / alignment_ * alignment_;
  data_bytes_ = offset + *n_bytes;
  tensors_.push_back({name, type, std::move(ne), *n_bytes, offset, std::move(fill)});
  return {};
}

Status GgufWriter::add_tensor(const std::string& name, GgmlType type, std::vector<std::uint64_t> ne,
                              std::vector<std::byte> data) {
  auto shared = std::make_shared<std::vector<std::byte>>(std::move(data));
  const std::size_t provided = shared->size();
  Status st = add_tensor(name, type, std::move(ne),
                         [shared](std::span<std::byte> out) { std::memcpy(out.data(), shared->data(), out.size()); });
  if (!st.ok()) return st;
  if (tensors_.back().n_bytes != provided) {
    const std::uint64_t expected = tensors_.back().n_bytes;
    tensors_.pop_back();
    return make_error(ErrorCode::kInvalidArgument, "tensor '{}': {} bytes given, shape and type need {}", name,
                      provided, expected);
  }
  return {};
}

void GgufWriter::serialize(const Sink& sink) const {
  std::uint64_t position = 0;
  const Sink counting = [&](std::span<const std::byte> bytes) {
    position += bytes.size();
    sink(bytes);
  };
  put<std::uint32_t>(counting, kGgufMagic);
  put<std::uint32_t>(counting, 3);
  put<std::uint64_t>(counting, tensors_.size());
  put<std::uint64_t>(counting, metadata_.size());
  for (const auto& [key, value] : metadata_) {
    put_string(counting, key);
    put<std::uint32_t>(counting, static_cast<std::uint32_t>(value.type()));
    put_value(counting, value);
  }
  for (const auto& t : tensors_) {
    put_string(counting, t.name);
    put<std::uint32_t>(counting, static_cast<std::uint32_t>(t.ne.size()));
    for (auto d : t.ne) put<std::uint64_t>(counting, d);
    put<std::uint32_t>(counting, static_cast<std::uint32_t>(t.type));
    put<std::uint64_t>(counting, t.offset);
  }
  put_padding(counting, position, alignment_);
  const std::uint64_t data_start = position;
  std::vector<std::byte> buffer;
  for (const auto& t : tensors_) {
    put_padding(counting, position - data_start, alignment_);
    buffer.assign(t.n_bytes, std::byte{0});
    t.fill(buffer);
    counting(buffer);
  }
}

std::vector<std::byte> GgufWriter::write_to_memory() const {
  std::vector<std::byte> out;
  serialize([&](std::span<const std::byte> bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); });
  return out;
}

Status GgufWriter::write(const std::string& path) const {
  return write_file_atomically(path, [this](const ByteSink& sink) { serialize(sink); });
}

}  // namespace servir
