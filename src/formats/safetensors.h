// Safetensors reader over a memory map, and a writer.
//
// Layout: u64 little-endian N | N bytes of UTF-8 JSON header | tensor data.
// The header maps each tensor name to {"dtype", "shape", "data_offsets":
// [begin, end]} with offsets relative to the start of the data (8 + N); the
// optional "__metadata__" entry maps strings to strings. Shapes are
// outermost-first (row-major), as in PyTorch.
//
// The reader refuses headers over 100 MB before parsing them, and checks
// every tensor: known dtype, shape without overflow, byte range inside the
// file and equal to shape x dtype size, no two ranges overlapping.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "formats/ggml_type.h"
#include "util/mapped_file.h"
#include "util/status.h"
#include "util/string_hash.h"

namespace servir {

inline constexpr std::uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;

struct SafetensorsTensor {
  std::string name;
  std::string dtype;                 // as in the file: "F32", "BF16", "I64", ...
  std::vector<std::uint64_t> shape;  // outermost first
  std::uint64_t n_elements = 0;
  std::uint64_t n_bytes = 0;
  std::uint64_t offset = 0;  // relative to the data section
  const std::byte* data = nullptr;
};

// Bytes per element of a safetensors dtype name; 0 if unknown.
std::uint32_t safetensors_dtype_size(std::string_view dtype);
// The ggml type with the same element layout (F32, F16, BF16); nullopt for
// dtypes servir does not compute with.
std::optional<GgmlType> safetensors_dtype_to_ggml(std::string_view dtype);
std::string_view ggml_to_safetensors_dtype(GgmlType type);

class SafetensorsFile {
 public:
  SafetensorsFile() = default;
  SafetensorsFile(SafetensorsFile&&) noexcept = default;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept = default;

  static Result<SafetensorsFile> open(const std::string& path);
  // Bytes owned by the caller; `name` is used in messages. For fuzzing/tests.
  static Result<SafetensorsFile> parse(std::span<const std::byte> bytes, std::string name);

  const std::string& name() const { return name_; }
  std::uint64_t file_size() const { return bytes_.size(); }
  std::uint64_t header_bytes() const { return header_bytes_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(std::string_view name) const;

 private:
  Status parse_header();

  MappedFile map_;
  std::span<const std::byte> bytes_;
  std::string name_;
  std::uint64_t header_bytes_ = 0;
  std::map<std::string, std::string> metadata_;
  std::vector<SafetensorsTensor> tensors_;
  StringMap<std::size_t> index_;
};

class SafetensorsWriter {
 public:
  using TensorFiller = std::function<void(std::span<std::byte>)>;

  void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }
  Status add_tensor(const std::string& name, std::string dtype, std::vector<std::uint64_t> shape, TensorFiller fill);
  // Through a temporary file renamed into place.
  Status write(const std::string& path) const;
  std::vector<std::byte> write_to_memory() const;

 private:
  struct Pending {
    std::string name;
    std::string dtype;
    std::vector<std::uint64_t> shape;
    std::uint64_t begin;
    std::uint64_t end;
    TensorFiller fill;
  };
  void serialize(const std::function<void(std::span<const std::byte>)>& sink) const;

  std::map<std::string, std::string> metadata_;
  std::vector<Pending> tensors_;
  std::uint64_t data_bytes_ = 0;
};

}  // namespace servir
