// Fuzzes the safetensors reader: header length, JSON, dtypes, shapes,
// offsets. Tensors that parse must lie inside the input.
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto file = servir::SafetensorsFile::parse(bytes, "fuzz.safetensors");
  if (!file.ok()) return 0;
  std::size_t checksum = 0;
  for (const auto& t : file->tensors()) {
    if (t.n_bytes > 0)
      checksum += static_cast<std::size_t>(t.data[0]) + static_cast<std::size_t>(t.data[t.n_bytes - 1]);
    checksum += t.shape.size() + t.dtype.size();
  }
  for (const auto& [k, v] : file->metadata()) checksum += k.size() + v.size();
  return checksum == 0xdeadbeef ? 1 : 0;
}
