// Small random-weight model specs shared by the format and model tests.
#pragma once

#include <string>

#include "formats/synthetic_model.h"

namespace servir::testing {

// hidden 64, 2 layers, 4 heads / 2 kv heads (GQA), ffn 96, vocab 100.
inline SyntheticModelSpec small_model_spec(Architecture arch, const std::string& out, std::uint64_t seed = 7) {
  SyntheticModelSpec spec;
  spec.config.arch = arch;
  spec.config.hidden_size = 64;
  spec.config.n_layers = 2;
  spec.config.n_heads = 4;
  spec.config.n_kv_heads = 2;
  spec.config.ffn_size = 96;
  spec.config.vocab_size = 100;
  spec.seed = seed;
  spec.out_path = out;
  return spec;
}

}  // namespace servir::testing
