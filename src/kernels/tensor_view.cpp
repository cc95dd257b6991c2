#include "kernels/tensor_view.h"

#include "util/check.h"

namespace servir::kernels {

TensorView TensorView::contiguous(void* data, GgmlType type, std::int64_t cols, std::int64_t rows, std::int64_t dim2,
                                  std::int64_t dim3) {
  const auto& info = ggml_type_info(type);
  CHECK(cols % info.block_size == 0) << "row of " << cols << " elements is not whole blocks of " << info.name;
  TensorView v;
  v.data = data;
  v.type = type;
  v.ne = {cols, rows, dim2, dim3};
  v.nb[0] = info.type_size;
  v.nb[1] = static_cast<std::size_t>(cols / info.block_size) * info.type_size;
  v.nb[2] = v.nb[1] * static_cast<std::size_t>(rows);
  v.nb[3] = v.nb[2] * static_cast<std::size_t>(dim2);
  return v;
}

TensorView TensorView::matrix(void* data, GgmlType type, std::int64_t cols, std::int64_t rows, std::size_t row_bytes) {
  TensorView v = contiguous(data, type, cols, rows);
  CHECK(row_bytes >= v.nb[1]) << "row stride " << row_bytes << " shorter than a row (" << v.nb[1] << " bytes)";
  v.nb[1] = row_bytes;
  v.nb[2] = row_bytes * static_cast<std::size_t>(rows);
  v.nb[3] = v.nb[2];
  return v;
}

}  // namespace servir::kernels
