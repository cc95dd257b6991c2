#include "formats/safetensors.h"
#include "util/atomic_write.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

namespace servir {
namespace {

struct DtypeRow {
  std::string_view name;
  std::uint32_t size;
};
constexpr std::array kDtypes = {
    DtypeRow{"F64", 8},  DtypeRow{"F32", 4},     DtypeRow{"F16", 2},     DtypeRow{"BF16", 2},
    DtypeRow{"I64", 8},  DtypeRow{"U64", 8},     DtypeRow{"I32", 4},     DtypeRow{"U32", 4},
    DtypeRow{"I16", 2},  DtypeRow{"U16", 2},     DtypeRow{"I8", 1},      DtypeRow{"U8", 1},
    DtypeRow{"BOOL", 1}, DtypeRow{"F8_E4M3", 1}, DtypeRow{"F8_E5M2", 1}, DtypeRow{"F8_E8M0", 1},
};

}  // namespace

std::uint32_t safetensors_dtype_size(std::string_view dtype) {
  for (const auto& row : kDtypes) {
    if (row.name == dtype) return row.size;
  }
  return 0;
}

std::optional<GgmlType> safetensors_dtype_to_ggml(std::string_view dtype) {
  if (dtype == "F32") return GgmlType::kF32;
  if (dtype == "F16") return GgmlType::kF16;
  if (dtype == "BF16") return GgmlType::kBF16;
  return std::nullopt;
}

std::string_view ggml_to_safetensors_dtype(GgmlType type) {
  switch (type) {
    case GgmlType::kF32:
      return "F32";
    case GgmlType::kF16:
      return "F16";
    case GgmlType::kBF16:
      return "BF16";
    default:
      return "";
  }
}

Result<SafetensorsFile> SafetensorsFile::parse(std::span<const std::byte> bytes, std::string name) {
  SafetensorsFile file;
  file.bytes_ = bytes;
  file.name_ = std::move(name);
  if (Status st = file.parse_header(); !st.ok()) return st;
  return file;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  auto map = MappedFile::open(path);
  if (!map) return std::move(map).status();
  auto file = parse(map->bytes(), path);
  if (!file) return file;
  file->map_ = std::move(*map);
  return file;
}

Status SafetensorsFile::parse_header() {
  auto fail = [&](ErrorCode code, const std::string& what) { return Status(code, fmt::format("{}: {}", name_, what)); };
  if (bytes_.size() < 8) {
    return fail(ErrorCode::kCorruptData,
                fmt::format("file of {} bytes is too short for a safetensors header", bytes_.size()));
  }
  std::uint64_t n = 0;
  std::memcpy(&n, bytes_.data(), 8);
  if (n > kSafetensorsMaxHeaderBytes) {
    return fail(ErrorCode::kCorruptData,
                fmt::format("header of {} bytes exceeds the 100 MB limit (not a safetensors file?)", n));
  }
  if (n > bytes_.size() - 8) {
    return fail(ErrorCode::kCorruptData, fmt::format("header of {} bytes is longer than the {} bytes after offset 8 "
                                                     "(file truncated?)",
                                                     n, bytes_.size() - 8));
  }
  header_bytes_ = n;
  const char* begin = reinterpret_cast<const char*>(bytes_.data()) + 8;
  // JSON objects may repeat a key and parsers keep one silently; two
  // entries for one tensor name are a corrupt file, so watch the top level.
  std::set<std::string> top_level_keys;
  std::string duplicate;
  const nlohmann::json::parser_callback_t watch_duplicates = [&](int depth, nlohmann::json::parse_event_t event,
                                                                 nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && duplicate.empty() &&
        !top_level_keys.insert(parsed.get<std::string>()).second) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  const nlohmann::json header = nlohmann::json::parse(begin, begin + n, watch_duplicates, /*allow_exceptions=*/false);
  if (header.is_discarded()) return fail(ErrorCode::kCorruptData, "header at offset 8 is not valid JSON");
  if (!duplicate.empty())
    return fail(ErrorCode::kCorruptData, fmt::format("tensor '{}' appears twice in the header", duplicate));
  if (!header.is_object()) return fail(ErrorCode::kCorruptData, "header is not a JSON object");

  const std::uint64_t data_start = 8 + n;
  const std::uint64_t data_size = bytes_.size() - data_start;
  tensors_.reserve(header.size());
  for (const auto& item : header.items()) {
    // Named copies: clang 14 cannot capture structured bindings in lambdas.
    const std::string& key = item.key();
    const nlohmann::json& entry = item.value();
    if (key == "__metadata__") {
      if (!entry.is_object()) return fail(ErrorCode::kCorruptData, "__metadata__ is not an object");
      for (const auto& [mk, mv] : entry.items()) {
        if (!mv.is_string()) {
          return fail(ErrorCode::kCorruptData, fmt::format("__metadata__ value of '{}' is not a string", mk));
        }
        metadata_[mk] = mv.get<std::string>();
      }
      continue;
    }
    auto bad = [&](const std::string& what) {
      return fail(ErrorCode::kCorruptData, fmt::format("tensor '{}': {}", key, what));
    };
    if (!entry.is_object()) return bad("entry is not an object");
    const auto dtype_it = entry.find("dtype");
    const auto shape_it = entry.find("shape");
    const auto offsets_it = entry.find("data_offsets");
    if (dtype_it == entry.end() || !dtype_it->is_string()) return bad("missing string 'dtype'");
    if (shape_it == entry.end() || !shape_it->is_array()) return bad("missing array 'shape'");
    if (offsets_it == entry.end() || !offsets_it->is_array() || offsets_it->size() != 2) {
      return bad("'data_offsets' must be [begin, end]");
    }
    SafetensorsTensor t;
    t.name = key;
    t.dtype = dtype_it->get<std::string>();
    const std::uint32_t element_size = safetensors_dtype_size(t.dtype);
    if (element_size == 0)
      return fail(ErrorCode::kUnsupported, fmt::format("tensor '{}': unknown dtype '{}'", key, t.dtype));
    if (shape_it->size() > 8) return bad(fmt::format("{} dimensions is more than 8", shape_it->size()));
    t.n_elements = 1;
    for (const auto& d : *shape_it) {
      if (!d.is_number_unsigned()) return bad("shape entries must be non-negative integers");
      const auto dim = d.get<std::uint64_t>();
      t.shape.push_back(dim);
      if (__builtin_mul_overflow(t.n_elements, dim, &t.n_elements)) return bad("element count overflows 64 bits");
    }
    const auto& b = (*offsets_it)[0];
    const auto& e = (*offsets_it)[1];
    if (!b.is_number_unsigned() || !e.is_number_unsigned()) return bad("data_offsets must be non-negative integers");
    const auto begin_off = b.get<std::uint64_t>();
    const auto end_off = e.get<std::uint64_t>();
    if (begin_off > end_off) return bad(fmt::format("data_offsets [{}, {}] run backwards", begin_off, end_off));
    if (end_off > data_size) {
      return bad(fmt::format("data [{}, {}) lies outside the {} bytes of tensor data (file truncated?)", begin_off,
                             end_off, data_size));
    }
    std::uint64_t expected = 0;
    if (__builtin_mul_overflow(t.n_elements, static_cast<std::uint64_t>(element_size), &expected)) {
      return bad("byte size overflows 64 bits");
    }
    if (end_off - begin_off != expected) {
      return bad(fmt::format("holds {} bytes but shape {} of {} needs {}", end_off - begin_off, shape_it->dump(),
                             t.dtype, expected));
    }
    t.offset = begin_off;
    t.n_bytes = expected;
    t.data = bytes_.data() + data_start + begin_off;
    tensors_.push_back(std::move(t));
  }

  std::vector<const SafetensorsTensor*> by_offset;
  for (const auto& t : tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](const auto* a, const auto* b) { return a->offset < b->offset; });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const auto* prev = by_offset[i - 1];
    const auto* cur = by_offset[i];
    if (prev->n_bytes > 0 && cur->offset < prev->offset + prev->n_bytes) {
      return fail(ErrorCode::kCorruptData,
                  fmt::format("tensors '{}' and '{}' overlap at data offset {}", prev->name, cur->name, cur->offset));
    }
  }
  for (std::size_t i = 0; i < tensors_.size(); ++i) index_.emplace(tensors_[i].name, i);
  return {};
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

Status SafetensorsWriter::add_tensor(const std::string& name, std::string dtype, std::vector<std::uint64_t> shape,
                                     TensorFiller fill) {
  const std::uint32_t element_size = safetensors_dtype_size(dtype);
  if (element_size == 0) return make_error(ErrorCode::kInvalidArgument, "unknown dtype '{}'", dtype);
  for (const auto& t : tensors_) {
    if (t.name == name) return make_error(ErrorCode::kInvalidArgument, "duplicate tensor '{}'", name);
  }
  std::uint64_t bytes = element_size;
  for (auto d : shape) bytes *= d;
  tensors_.push_back({name, std::move(dtype), std::move(shape), data_bytes_, data_bytes_ + bytes, std::move(fill)});
  data_bytes_ += bytes;
  return {};
}

void SafetensorsWriter::serialize(const std::function<void(std::span<const std::byte>)>& sink) const {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  for (const auto& t : tensors_) {
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {t.begin, t.end}}};
  }
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');  // keep data 8-byte aligned, as the reference writer does
  const std::uint64_t n = text.size();
  sink(std::as_bytes(std::span<const std::uint64_t, 1>(&n, 1)));
  sink(std::as_bytes(std::span<const char>(text.data(), text.size())));
  std::vector<std::byte> buffer;
  for (const auto& t : tensors_) {
    buffer.assign(t.end - t.begin, std::byte{0});
    t.fill(buffer);
    sink(buffer);
  }
}

std::vector<std::byte> SafetensorsWriter::write_to_memory() const {
  std::vector<std::byte> out;
  serialize([&](std::span<const std::byte> bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); });
  return out;
}

Status SafetensorsWriter::write(const std::string& path) const {
  return write_file_atomically(path, [this](const ByteSink& sink) { serialize(sink); });
}

}  // namespace servir
