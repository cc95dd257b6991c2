// AMX (AMX-TILE + AMX-BF16) and AVX512-BF16 kernels. Only amx/*.cpp are
// compiled with these flags; nothing here may be called unless the CPU has
// them and the OS granted the tile state (isa.h, Isa::kAmx).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/attend.h"
#include "kernels/gemm_int8.h"

namespace servir::kernels::amx {

// BF16 tile GEMM (layouts and contracts in kernels/gemm_bf16.h).
void pack_bf16_strip_q8_0(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip);
void pack_bf16_strip_q4_0(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip);
void gemm_x16_q4_0(const void* group, std::int64_t nb, const Int8Act& act, int n_act, float* c, std::size_t ldc);
void gemm_x16_q8_0(const void* group, std::int64_t nb, const Int8Act& act, int n_act, float* c, std::size_t ldc);
void pack_bf16_strip_x16_q4_0(const void* groups, int n_groups, std::int64_t k, std::uint16_t* strip);
void pack_bf16_strip_x16_q8_0(const void* groups, int n_groups, std::int64_t k, std::uint16_t* strip);
void pack_bf16_strip_q4_K(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip);
void pack_bf16_strip_q6_K(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip);
void pack_bf16_strip_bf16(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip);
void pack_bf16_split_strip_f16(const void* w, std::size_t stride, int n_rows, std::int64_t k, std::uint16_t* strip);
void pack_bf16_row(const float* row, std::int64_t k, int j, std::uint16_t* strip);
void pack_bf16_act(const float* a, std::size_t lda, int n_rows, std::int64_t k, std::uint16_t* act);
void gemm_bf16_strip(const std::uint16_t* strip, int n_cols, std::int64_t k, const std::uint16_t* act,
                     std::int64_t m_rows, float* c, std::size_t ldc);

// Paged attention over runs of tokens on bf16 tiles (kernels/attend.h).
bool attend_run(const AttendRunItem& it);

}  // namespace servir::kernels::amx
