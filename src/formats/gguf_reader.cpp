#include "formats/gguf_reader.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace servir {

// GGUF is little-endian and so is every host servir targets (x86-64, arm64).
static_assert(std::endian::native == std::endian::little, "servir reads GGUF on little-endian hosts only");

namespace {

// Bounds that no real model comes near but that keep a hostile file from
// turning a small input into a large allocation: every in-memory GgufValue
// costs ~40 bytes however small its encoding.
constexpr std::uint64_t kMaxKeyBytes = 65535;  // the GGUF spec's limit
constexpr std::uint64_t kMaxTensorNameBytes = 65535;
constexpr std::uint64_t kMaxArrayElementsTotal = 16ull << 20;
constexpr int kMaxArrayDepth = 8;

std::uint64_t min_encoded_size(GgufValueType type) {
  switch (type) {
    case GgufValueType::kUint8:
    case GgufValueType::kInt8:
    case GgufValueType::kBool:
      return 1;
    case GgufValueType::kUint16:
    case GgufValueType::kInt16:
      return 2;
    case GgufValueType::kUint32:
    case GgufValueType::kInt32:
    case GgufValueType::kFloat32:
      return 4;
    case GgufValueType::kUint64:
    case GgufValueType::kInt64:
    case GgufValueType::kFloat64:
    case GgufValueType::kString:
      return 8;  // a string is at least its u64 length
    case GgufValueType::kArray:
      return 12;  // u32 element type + u64 count
  }
  return 1;
}

}  // namespace

// Sequential little-endian reader over the file bytes. Every read checks the
// bytes left; the first failure is recorded with its offset.
class GgufParser {
 public:
  GgufParser(std::span<const std::byte> bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  Status parse(GgufFile& out);

 private:
  std::uint64_t remaining() const { return bytes_.size() - pos_; }

  template <typename... Args>
  Status error(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) const {
    return Status(code,
                  fmt::format("{}: offset {}: {}", name_, pos_, fmt::format(format, std::forward<Args>(args)...)));
  }

  template <typename T>
  bool read(T& value) {
    if (remaining() < sizeof(T)) return false;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }

  template <typename T>
  bool read_scalar(GgufValue& out) {
    T v{};
    if (!read(v)) return false;
    out = v;
    return true;
  }

  Status read_string(std::string& out, std::uint64_t max_bytes, std::string_view what);
  Status read_value(GgufValueType type, GgufValue& out, int depth);
  Status read_tensor_info(GgufTensorInfo& info);
  Status validate_tensors(GgufFile& out);

  std::span<const std::byte> bytes_;
  const std::string& name_;
  std::uint64_t pos_ = 0;
  std::uint64_t array_elements_ = 0;
};

Status GgufParser::read_string(std::string& out, std::uint64_t max_bytes, std::string_view what) {
  const std::uint64_t start = pos_;
  std::uint64_t length = 0;
  if (!read(length)) return error(ErrorCode::kCorruptData, "truncated: {} length past the end of the file", what);
  if (length > remaining()) {
    pos_ = start;  // report the offset where the string begins
    return error(ErrorCode::kCorruptData, "{} of {} bytes is longer than the {} bytes left in the file", what, length,
                 bytes_.size() - start - 8);
  }
  if (length > max_bytes) return error(ErrorCode::kCorruptData, "{} of {} bytes exceeds {}", what, length, max_bytes);
  out.assign(reinterpret_cast<const char*>(bytes_.data() + pos_), length);
  pos_ += length;
  return {};
}

Status GgufParser::read_value(GgufValueType type, GgufValue& out, int depth) {
  auto truncated = [&] { return error(ErrorCode::kCorruptData, "truncated {} value", gguf_value_type_name(type)); };
  switch (type) {
    case GgufValueType::kUint8:
      return read_scalar<std::uint8_t>(out) ? Status() : truncated();
    case GgufValueType::kInt8:
      return read_scalar<std::int8_t>(out) ? Status() : truncated();
    case GgufValueType::kUint16:
      return read_scalar<std::uint16_t>(out) ? Status() : truncated();
    case GgufValueType::kInt16:
      return read_scalar<std::int16_t>(out) ? Status() : truncated();
    case GgufValueType::kUint32:
      return read_scalar<std::uint32_t>(out) ? Status() : truncated();
    case GgufValueType::kInt32:
      return read_scalar<std::int32_t>(out) ? Status() : truncated();
    case GgufValueType::kUint64:
      return read_scalar<std::uint64_t>(out) ? Status() : truncated();
    case GgufValueType::kInt64:
      return read_scalar<std::int64_t>(out) ? Status() : truncated();
    case GgufValueType::kFloat32: {
      std::uint32_t bits = 0;
      if (!read(bits)) return truncated();
      out = std::bit_cast<float>(bits);
      return {};
    }
    case GgufValueType::kFloat64: {
      std::uint64_t bits = 0;
      if (!read(bits)) return truncated();
      out = std::bit_cast<double>(bits);
      return {};
    }
    case GgufValueType::kBool: {
      std::uint8_t b = 0;
      if (!read(b)) return truncated();
      if (b > 1) return error(ErrorCode::kCorruptData, "bool value {} is neither 0 nor 1", b);
      out = b == 1;
      return {};
    }
    case GgufValueType::kString: {
      std::string s;
      if (Status st = read_string(s, remaining(), "string value"); !st.ok()) return st;
      out = std::move(s);
      return {};
    }
    case GgufValueType::kArray: {
      if (depth >= kMaxArrayDepth)
        return error(ErrorCode::kCorruptData, "arrays nested deeper than {}", kMaxArrayDepth);
      std::uint32_t raw_element_type = 0;
      std::uint64_t count = 0;
      if (!read(raw_element_type) || !read(count)) return truncated();
      if (raw_element_type > static_cast<std::uint32_t>(GgufValueType::kFloat64)) {
        return error(ErrorCode::kCorruptData, "unknown array element type {}", raw_element_type);
      }
      const auto element_type = static_cast<GgufValueType>(raw_element_type);
      if (count > remaining() / min_encoded_size(element_type)) {
        return error(ErrorCode::kCorruptData, "array of {} {} elements cannot fit in the {} bytes left", count,
                     gguf_value_type_name(element_type), remaining());
      }
      array_elements_ += count;
      if (array_elements_ > kMaxArrayElementsTotal) {
        return error(ErrorCode::kResourceExhausted, "metadata arrays hold more than {} elements in total",
                     kMaxArrayElementsTotal);
      }
      std::vector<GgufValue> values(count);
      for (auto& v : values) {
        if (Status st = read_value(element_type, v, depth + 1); !st.ok()) return st;
      }
      out = GgufValue::array(element_type, std::move(values));
      return {};
    }
  }
  return error(ErrorCode::kCorruptData, "unknown value type {}", static_cast<std::uint32_t>(type));
}

Status GgufParser::read_tensor_info(GgufTensorInfo& info) {
  if (Status st = read_string(info.name, kMaxTensorNameBytes, "tensor name"); !st.ok()) return st;
  std::uint32_t n_dims = 0;
  if (!read(n_dims)) return error(ErrorCode::kCorruptData, "tensor '{}': truncated dimension count", info.name);
  if (n_dims == 0 || n_dims > kGgufMaxDims) {
    return error(ErrorCode::kCorruptData, "tensor '{}': {} dimensions (must be 1..{})", info.name, n_dims,
                 kGgufMaxDims);
  }
  info.ne.resize(n_dims);
  std::uint64_t n_elements = 1;
  for (auto& dim : info.ne) {
    if (!read(dim)) return error(ErrorCode::kCorruptData, "tensor '{}': truncated shape", info.name);
    if (dim > static_cast<std::uint64_t>(INT64_MAX)) {
      return error(ErrorCode::kCorruptData, "tensor '{}': dimension {} is negative or too large", info.name, dim);
    }
    if (__builtin_mul_overflow(n_elements, dim, &n_elements) || n_elements > static_cast<std::uint64_t>(INT64_MAX)) {
      return error(ErrorCode::kCorruptData, "tensor '{}': element count overflows 64 bits", info.name);
    }
  }
  info.n_elements = n_elements;
  std::uint32_t raw_type = 0;
  if (!read(raw_type)) return error(ErrorCode::kCorruptData, "tensor '{}': truncated type", info.name);
  const auto type_info = ggml_type_info(raw_type);
  if (!type_info) return error(ErrorCode::kUnsupported, "tensor '{}': unknown tensor type {}", info.name, raw_type);
  info.type = type_info->type;
  if (info.ne[0] % type_info->block_size != 0) {
    return error(ErrorCode::kCorruptData, "tensor '{}': row of {} elements is not a whole number of {} blocks of {}",
                 info.name, info.ne[0], type_info->name, type_info->block_size);
  }
  const auto bytes = ggml_row_bytes(info.type, n_elements);
  if (!bytes) return error(ErrorCode::kCorruptData, "tensor '{}': byte size overflows", info.name);
  info.n_bytes = *bytes;
  if (!read(info.offset)) return error(ErrorCode::kCorruptData, "tensor '{}': truncated data offset", info.name);
  return {};
}

Status GgufParser::validate_tensors(GgufFile& out) {
  const std::uint64_t data_bytes = out.data_offset_ <= bytes_.size() ? bytes_.size() - out.data_offset_ : 0;
  for (auto& t : out.tensors_) {
    auto fail = [&](std::string_view what) {
      return Status(ErrorCode::kCorruptData, fmt::format("{}: tensor '{}': {}", name_, t.name, what));
    };
    if (t.offset % out.alignment_ != 0) {
      return fail(fmt::format("data offset {} is not a multiple of the alignment {}", t.offset, out.alignment_));
    }
    if (t.offset > data_bytes || t.n_bytes > data_bytes - t.offset) {
      return fail(fmt::format("data [{}, +{}) lies outside the {} bytes of tensor data (file truncated?)", t.offset,
                              t.n_bytes, data_bytes));
    }
    t.data = bytes_.data() + out.data_offset_ + t.offset;
  }
  // No two tensors may share bytes: a writer bug or a crafted file could make
  // a write into one (never done: the map is read-only) or a misread alias.
  std::vector<const GgufTensorInfo*> by_offset;
  by_offset.reserve(out.tensors_.size());
  for (const auto& t : out.tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](const auto* a, const auto* b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const auto* prev = by_offset[i - 1];
    const auto* cur = by_offset[i];
    if (prev->n_bytes > 0 && cur->offset < prev->offset + prev->n_bytes) {
      return Status(ErrorCode::kCorruptData,
                    fmt::format("{}: tensors '{}' [{}, +{}) and '{}' [{}, +{}) overlap", name_, prev->name,
                                prev->offset, prev->n_bytes, cur->name, cur->offset, cur->n_bytes));
    }
  }
  return {};
}

Status GgufParser::parse(GgufFile& out) {
  std::uint32_t magic = 0;
  if (!read(magic))
    return error(ErrorCode::kCorruptData, "file of {} bytes is too short for a GGUF header", bytes_.size());
  if (magic != kGgufMagic) {
    pos_ = 0;
    return error(ErrorCode::kCorruptData, "not a GGUF file (magic {:02x} {:02x} {:02x} {:02x}, expected \"GGUF\")",
                 static_cast<unsigned>(bytes_[0]), bytes_.size() > 1 ? static_cast<unsigned>(bytes_[1]) : 0u,
                 bytes_.size() > 2 ? static_cast<unsigned>(bytes_[2]) : 0u,
                 bytes_.size() > 3 ? static_cast<unsigned>(bytes_[3]) : 0u);
  }
  if (!read(out.version_)) return error(ErrorCode::kCorruptData, "truncated header (version)");
  if (out.version_ == 1) {
    return error(ErrorCode::kUnsupported,
                 "GGUF version 1 is not supported (its 32-bit counts were replaced in version 2, 2023); re-convert the "
                 "model with a current llama.cpp");
  }
  if ((out.version_ & 0xffffu) == 0 && out.version_ != 0) {
    return error(ErrorCode::kUnsupported, "big-endian GGUF files are not supported");
  }
  if (out.version_ != 2 && out.version_ != 3) {
    return error(ErrorCode::kUnsupported, "GGUF version {} is not supported (only 2 and 3)", out.version_);
  }
  std::uint64_t n_tensors = 0;
  std::uint64_t n_kv = 0;
  if (!read(n_tensors) || !read(n_kv)) return error(ErrorCode::kCorruptData, "truncated header (counts)");
  // The smallest encodings: a key/value is >= 8 + 4 + 1 bytes, a tensor info >= 8 + 4 + 8 + 4 + 8.
  if (n_kv > remaining() / 13) {
    return error(ErrorCode::kCorruptData, "{} metadata entries cannot fit in a file of {} bytes", n_kv, bytes_.size());
  }
  if (n_tensors > remaining() / 32) {
    return error(ErrorCode::kCorruptData, "{} tensors cannot fit in a file of {} bytes", n_tensors, bytes_.size());
  }

  out.metadata_.reserve(n_kv);
  for (std::uint64_t i = 0; i < n_kv; ++i) {
    std::string key;
    if (Status st = read_string(key, kMaxKeyBytes, "metadata key"); !st.ok()) return st;
    std::uint32_t raw_type = 0;
    if (!read(raw_type)) return error(ErrorCode::kCorruptData, "key '{}': truncated value type", key);
    if (raw_type > static_cast<std::uint32_t>(GgufValueType::kFloat64)) {
      return error(ErrorCode::kCorruptData, "key '{}': unknown value type {}", key, raw_type);
    }
    GgufValue value;
    if (Status st = read_value(static_cast<GgufValueType>(raw_type), value, 0); !st.ok()) {
      return st.with_prefix(fmt::format("key '{}'", key));
    }
    if (out.metadata_index_.contains(key)) return error(ErrorCode::kCorruptData, "duplicate metadata key '{}'", key);
    out.metadata_index_.emplace(key, out.metadata_.size());
    out.metadata_.emplace_back(std::move(key), std::move(value));
  }

  if (const GgufValue* alignment = out.find("general.alignment")) {
    const auto* a = std::get_if<std::uint32_t>(&alignment->storage());
    if (a == nullptr) {
      return error(ErrorCode::kCorruptData, "general.alignment must be a u32, found {}",
                   gguf_value_type_name(alignment->type()));
    }
    if (*a == 0 || !std::has_single_bit(*a)) {
      return error(ErrorCode::kCorruptData, "general.alignment {} is not a power of two", *a);
    }
    out.alignment_ = *a;
  }

  out.tensors_.resize(n_tensors);
  for (std::uint64_t i = 0; i < n_tensors; ++i) {
    auto& info = out.tensors_[i];
    if (Status st = read_tensor_info(info); !st.ok()) return st;
    if (out.tensor_index_.contains(info.name)) {
      return error(ErrorCode::kCorruptData, "duplicate tensor name '{}'", info.name);
    }
    out.tensor_index_.emplace(info.name, i);
  }
  out.data_offset_ = (pos_ + out.alignment_ - 1) / out.alignment_ * out.alignment_;
  return validate_tensors(out);
}

Result<GgufFile> GgufFile::parse(std::span<const std::byte> bytes, std::string name) {
  GgufFile file;
  file.bytes_ = bytes;
  file.name_ = std::move(name);
  GgufParser parser(bytes, file.name_);
  if (Status st = parser.parse(file); !st.ok()) return st;
  return file;
}

Result<GgufFile> GgufFile::open(const std::string& path) {
  auto map = MappedFile::open(path);
  if (!map) return std::move(map).status();
  const auto bytes = map->bytes();
  auto file = parse(bytes, path);
  if (!file) return file;
  file->map_ = std::move(*map);  // moving the map keeps its address: views stay valid
  return file;
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = metadata_index_.find(key);
  return it == metadata_index_.end() ? nullptr : &metadata_[it->second].second;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace servir
