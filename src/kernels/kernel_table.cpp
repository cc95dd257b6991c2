#include "kernels/kernel_table.h"

#include <cstdlib>

#include "kernels/dtype_traits.h"
#include "kernels/ops/ops_ref.h"
#include "util/log.h"

namespace servir::kernels {
namespace {

KernelTable build(Isa isa) {
  KernelTable t;
  fill_kernel_table_scalar(t);
  if (isa >= Isa::kAvx2) fill_kernel_table_avx2(t);
  if (isa >= Isa::kAvx512) fill_kernel_table_avx512(t);
  if (isa >= Isa::kAmx) fill_kernel_table_amx(t);
  t.isa = isa;
  return t;
}

}  // namespace

void fill_kernel_table_scalar(KernelTable& t) {
  for (const DTypeTraits& d : all_dtype_traits()) {
    const auto slot = static_cast<std::uint32_t>(d.type);
    t.vec_dot[slot] = d.vec_dot;
    t.from_f32[slot] = d.from_f32;
    t.to_f32[slot] = d.to_f32;
  }
  // Every level can run interleaved weights (through the scalar twins), so
  // a model bound for one level still runs on another.
  t.repack_gemm_x16[static_cast<std::uint32_t>(GgmlType::kQ4_0)] = ref::repack_gemm_q4_0_x16;
  t.repack_gemm_x16[static_cast<std::uint32_t>(GgmlType::kQ8_0)] = ref::repack_gemm_q8_0_x16;
  t.rms_norm = ref::rms_norm;
  t.softmax = ref::softmax;
  t.silu = ref::silu;
  t.gelu = ref::gelu;
  t.swiglu = ref::swiglu;
  t.add = ref::add;
}

const KernelTable& kernel_table(Isa isa) {
  CHECK(isa_supported(isa)) << "kernel table for " << isa_name(isa) << " requested on a CPU without it";
  static const KernelTable tables[] = {build(Isa::kScalar),
                                       build(isa_supported(Isa::kAvx2) ? Isa::kAvx2 : Isa::kScalar),
                                       build(isa_supported(Isa::kAvx512) ? Isa::kAvx512 : Isa::kScalar),
                                       build(isa_supported(Isa::kAmx) ? Isa::kAmx : Isa::kScalar)};
  return tables[static_cast<int>(isa)];
}

Result<const KernelTable*> default_kernel_table() {
  const char* env = std::getenv("SERVIR_ISA");
  auto isa = choose_isa(env != nullptr ? env : "");
  if (!isa.ok()) return isa.status();
  static const bool logged = [&] {
    spdlog::info("kernels: using {} (cpu: {}{})", isa_name(*isa), cpu_features().to_string(),
                 env != nullptr ? ", forced by SERVIR_ISA" : "");
    return true;
  }();
  (void)logged;
  return &kernel_table(*isa);
}

}  // namespace servir::kernels
