#include "kernels/context.h"

namespace servir::kernels {

std::byte* KernelContext::scratch(std::size_t bytes) { return scratch_.reserve(bytes); }

}  // namespace servir::kernels
