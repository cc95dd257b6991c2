// Fuzzes the GGUF reader and, when a file parses, the model-config builder
// and every value accessor: no crash, no leak, no sanitizer report, no
// allocation out of proportion to the input.
#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/config_parsers.h"
#include "formats/gguf_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  auto file = servir::GgufFile::parse(bytes, "fuzz.gguf");
  if (!file.ok()) return 0;
  std::size_t checksum = 0;
  for (const auto& [key, value] : file->metadata()) {
    checksum += key.size() + value.to_display_string().size();
  }
  for (const auto& t : file->tensors()) {
    // Touch the first and last byte: they must lie inside the input.
    if (t.n_bytes > 0)
      checksum += static_cast<std::size_t>(t.data[0]) + static_cast<std::size_t>(t.data[t.n_bytes - 1]);
  }
  auto config = servir::config_from_gguf(*file);
  if (config.ok()) checksum += static_cast<std::size_t>(config->hidden_size);
  return checksum == 0xdeadbeef ? 1 : 0;
}
