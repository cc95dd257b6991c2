// Instruction-set levels the kernels are compiled for, CPU detection and the
// SERVIR_ISA override.
//
//   scalar  portable C++, the reference every fast path is tested against
//   avx2    AVX2 + FMA + F16C (the x86-64 baseline of a release build)
//   avx512  AVX-512 F/BW/VL/DQ + VNNI (Ice Lake, Sapphire Rapids, Zen 4)
//   amx     avx512 + AVX512-BF16 + AMX-TILE/BF16/INT8 (Sapphire Rapids and
//           later): int8 and bf16 tile GEMMs for batched decode and prefill
//
// Detection runs once (cpuid + xgetbv, so an OS that does not save the
// AVX-512 state disables it; for AMX it also asks Linux for the tile-data
// state, which a process must request before its first tile instruction)
// and is immutable afterwards.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace servir::kernels {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kAmx = 3 };

// Every level, lowest first.
inline constexpr Isa kAllIsas[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512, Isa::kAmx};

std::string_view isa_name(Isa isa);
std::optional<Isa> isa_from_name(std::string_view name);

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512dq = false;
  bool avx512vnni = false;
  bool avx512bf16 = false;
  bool avx_vnni = false;
  bool amx_tile = false;
  bool amx_bf16 = false;
  bool amx_int8 = false;
  bool os_avx = false;     // XCR0 saves the ymm state
  bool os_avx512 = false;  // XCR0 saves the opmask and zmm state
  bool os_amx = false;     // XCR0 has the tile state and Linux granted this process tile data

  std::string to_string() const;  // "avx2 fma f16c avx512f ..." for logs
};

const CpuFeatures& cpu_features();

bool isa_supported(Isa isa);

// Supported levels, lowest first (always starts with scalar).
std::vector<Isa> supported_isas();

// The best supported level.
Isa best_isa();

// The level to run with: `requested` (the SERVIR_ISA value; empty = best).
// An unknown name or a level this CPU lacks is an error that says why.
Result<Isa> choose_isa(std::string_view requested);

}  // namespace servir::kernels
