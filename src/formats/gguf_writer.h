// GgufWriter: builds a GGUF v3 file (layout in gguf_reader.h).
//
// Used by tests, the synthetic model maker (`servir testmodel`) and later
// `servir quantize`. Tensor bytes are produced by a callback at write time,
// one tensor at a time, so a writer never holds a whole model in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "formats/ggml_type.h"
#include "formats/gguf_value.h"
#include "util/status.h"

namespace servir {

class GgufWriter {
 public:
  // Fills exactly the tensor's byte size.
  using TensorFiller = std::function<void(std::span<std::byte>)>;

  explicit GgufWriter(std::uint32_t alignment = 32);

  // Sets a metadata value; a key set twice keeps its first position.
  void set(const std::string& key, GgufValue value);

  // ne is innermost first, as in the file. Fails on a shape that is not a
  // whole number of blocks or a duplicate name.
  Status add_tensor(const std::string& name, GgmlType type, std::vector<std::uint64_t> ne, TensorFiller fill);
  Status add_tensor(const std::string& name, GgmlType type, std::vector<std::uint64_t> ne, std::vector<std::byte> data);

  // Writes to `path` through a temporary file renamed into place, so a
  // reader never sees a half-written model.
  Status write(const std::string& path) const;
  std::vector<std::byte> write_to_memory() const;

 private:
  struct PendingTensor {
    std::string name;
    GgmlType type;
    std::vector<std::uint64_t> ne;
    std::uint64_t n_bytes;
    std::uint64_t offset;
    TensorFiller fill;
  };
  void serialize(const std::function<void(std::span<const std::byte>)>& sink) const;

  std::uint32_t alignment_;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<PendingTensor> tensors_;
  std::uint64_t data_bytes_ = 0;
};

}  // namespace servir
