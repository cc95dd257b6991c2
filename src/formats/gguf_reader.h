// GGUF reader over a memory map.
//
// File layout (little-endian, versions 2 and 3; version 1 used 32-bit counts
// and is refused):
//   u32 magic "GGUF" | u32 version | u64 n_tensors | u64 n_kv
//   n_kv x  { string key | u32 value_type | value }
//   n_tensors x { string name | u32 n_dims | u64 ne[n_dims] | u32 ggml_type | u64 offset }
//   padding to `general.alignment` (default 32)
//   tensor data; each tensor at data_start + offset, offset % alignment == 0
// where string = u64 length + bytes (no terminator), and an array value is
// u32 element_type + u64 count + elements (arrays may nest).
// ne[0] is the innermost (contiguous) dimension.
//
// Every count and length is checked against the bytes left before anything is
// allocated, so a hostile file cannot make the reader allocate more than a
// small multiple of its own size. Tensor infos are validated: known type,
// dims in range, element count without overflow, ne[0] a whole number of
// blocks, aligned offset, data inside the file, no two tensors overlapping,
// no duplicate names.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/ggml_type.h"
#include "formats/gguf_value.h"
#include "util/mapped_file.h"
#include "util/status.h"
#include "util/string_hash.h"

namespace servir {

inline constexpr std::uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as little-endian u32
inline constexpr std::uint32_t kGgufDefaultAlignment = 32;
inline constexpr std::uint32_t kGgufMaxDims = 4;

struct GgufTensorInfo {
  std::string name;
  std::vector<std::uint64_t> ne;  // innermost first, as stored; 1..4 entries
  GgmlType type = GgmlType::kF32;
  std::uint64_t offset = 0;  // relative to the start of the data section
  std::uint64_t n_bytes = 0;
  std::uint64_t n_elements = 0;
  const std::byte* data = nullptr;  // into the map
};

class GgufFile {
 public:
  GgufFile() = default;
  GgufFile(GgufFile&&) noexcept = default;
  GgufFile& operator=(GgufFile&&) noexcept = default;
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  // Maps and parses a file. Errors name the file and the offset.
  static Result<GgufFile> open(const std::string& path);
  // Parses bytes owned by the caller (they must outlive the result); `name`
  // is used in error messages. For fuzzing and in-memory tests.
  static Result<GgufFile> parse(std::span<const std::byte> bytes, std::string name);

  std::uint32_t version() const { return version_; }
  std::uint64_t alignment() const { return alignment_; }
  std::uint64_t data_offset() const { return data_offset_; }
  std::uint64_t file_size() const { return bytes_.size(); }
  const std::string& name() const { return name_; }

  // Metadata in file order.
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
  const GgufValue* find(std::string_view key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;

 private:
  friend class GgufParser;

  MappedFile map_;  // empty for parse()
  std::span<const std::byte> bytes_;
  std::string name_;
  std::uint32_t version_ = 0;
  std::uint64_t alignment_ = kGgufDefaultAlignment;
  std::uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  StringMap<std::size_t> metadata_index_;
  std::vector<GgufTensorInfo> tensors_;
  StringMap<std::size_t> tensor_index_;
};

}  // namespace servir
