// Builders for GGUF byte streams used by the reader tests: valid files from
// GgufWriter, and hand-assembled broken ones.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "formats/gguf_reader.h"

namespace servir::testing {

// Appends little-endian fields to a byte vector, for crafting broken files.
class ByteBuilder {
 public:
  template <typename T>
  ByteBuilder& put(T value) {
    const auto* p = reinterpret_cast<const std::byte*>(&value);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
    return *this;
  }
  ByteBuilder& str(const std::string& s) {
    put<std::uint64_t>(s.size());
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    bytes_.insert(bytes_.end(), p, p + s.size());
    return *this;
  }
  ByteBuilder& header(std::uint32_t version, std::uint64_t n_tensors, std::uint64_t n_kv) {
    return put<std::uint32_t>(kGgufMagic).put<std::uint32_t>(version).put(n_tensors).put(n_kv);
  }
  ByteBuilder& pad_to(std::size_t alignment) {
    while (bytes_.size() % alignment != 0) bytes_.push_back(std::byte{0});
    return *this;
  }
  ByteBuilder& zeros(std::size_t n) {
    bytes_.insert(bytes_.end(), n, std::byte{0});
    return *this;
  }
  const std::vector<std::byte>& bytes() const { return bytes_; }
  std::span<const std::byte> span() const { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

inline std::span<const std::byte> as_span(const std::vector<std::byte>& v) { return v; }

}  // namespace servir::testing
