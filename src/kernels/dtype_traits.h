// DTypeTraits: the compute facts of each tensor element type in one table
// (ggml's type_traits_cpu), keyed by the GGUF type enum of formats/.
//
// A weight row of type T is multiplied with activations quantized to
// T's vec_dot_type: Q8_0 for the 32-wide quants, Q8_K for the K-quants and
// F32 for the float types. `vec_dot` here is the scalar reference; the
// dispatched (per-ISA) one lives in KernelTable.
//
// A new format = one file in quant/ + one row here + a round-trip test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "formats/ggml_type.h"
#include "kernels/kernel_fn.h"

namespace servir::kernels {

struct DTypeTraits {
  GgmlType type;
  std::int64_t block_size;  // elements per block
  std::size_t type_size;    // bytes per block
  ToF32Fn to_f32;           // dequantize a row
  FromF32Fn from_f32;       // reference quantizer
  GgmlType vec_dot_type;    // the activation type vec_dot expects
  VecDotFn vec_dot;         // scalar reference dot product
};

// nullptr for types the kernels do not support (IQ*, Q2_K, Q3_K, ints, ...).
const DTypeTraits* dtype_traits(GgmlType type);

// Every supported type, in table order.
std::span<const DTypeTraits> all_dtype_traits();

// Bytes of a row of n elements (n a whole number of blocks).
inline std::size_t row_bytes(const DTypeTraits& t, std::int64_t n) {
  return static_cast<std::size_t>(n / t.block_size) * t.type_size;
}

}  // namespace servir::kernels
