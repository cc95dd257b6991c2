// TensorView: a small, copyable, non-owning view of a tensor (data pointer,
// element type, shape and byte strides), over weights in an mmapped GGUF file
// or over activations owned elsewhere. The owner must outlive the view.
//
// Shapes follow ggml's order: ne[0] is the innermost (contiguous) dimension,
// so a matrix of `rows` rows of `cols` elements has ne = {cols, rows, 1, 1}.
// nb[i] is the byte stride of dimension i; nb[0] is the size of one block
// of the type (rows of quantized types are only addressable whole blocks).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "formats/ggml_type.h"

namespace servir::kernels {

// How a matrix's bytes are arranged: rows as in the file, or 16-row groups
// (kernels/weights_x16.h) made at load for the matmul kernels. Only matmul
// takes kX16 views; row() means nothing for them.
enum class WeightLayout : std::uint8_t { kRows, kX16 };

struct TensorView {
  void* data = nullptr;
  GgmlType type = GgmlType::kF32;
  std::array<std::int64_t, 4> ne{0, 1, 1, 1};
  std::array<std::size_t, 4> nb{0, 0, 0, 0};
  WeightLayout layout = WeightLayout::kRows;

  // A dense row-major view: rows of ne[0] elements back to back.
  static TensorView contiguous(void* data, GgmlType type, std::int64_t cols, std::int64_t rows = 1,
                               std::int64_t dim2 = 1, std::int64_t dim3 = 1);
  static TensorView contiguous(const void* data, GgmlType type, std::int64_t cols, std::int64_t rows = 1,
                               std::int64_t dim2 = 1, std::int64_t dim3 = 1) {
    return contiguous(const_cast<void*>(data), type, cols, rows, dim2, dim3);
  }

  // A 2-D view with an explicit row stride in bytes (e.g. a row subset).
  static TensorView matrix(void* data, GgmlType type, std::int64_t cols, std::int64_t rows, std::size_t row_bytes);

  std::int64_t cols() const { return ne[0]; }
  std::int64_t rows() const { return ne[1] * ne[2] * ne[3]; }
  std::int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  std::size_t row_stride() const { return nb[1]; }

  // True when rows are back to back, so the view is one flat matrix.
  bool rows_contiguous() const { return nb[2] == nb[1] * ne[1] && nb[3] == nb[2] * ne[2]; }

  // Row r of the flattened [rows(), cols()] matrix (needs rows_contiguous()
  // or a 2-D view).
  std::byte* row(std::int64_t r) const { return static_cast<std::byte*>(data) + static_cast<std::size_t>(r) * nb[1]; }
  float* row_f32(std::int64_t r) const { return reinterpret_cast<float*>(row(r)); }
};

}  // namespace servir::kernels
