// quantize_model: writes a model (GGUF or Hugging Face folder, opened as a
// ModelDescription) as a GGUF v3 file of a quantization scheme, the way
// llama.cpp's llama-quantize (and, for HF input, convert_hf_to_gguf.py)
// would lay it out, so llama.cpp reads the result unchanged.
//
// Streaming with bounded memory: tensors are produced one at a time by the
// GgufWriter's filler, each in slices of rows that the thread pool splits;
// the output buffer holds one tensor, the f32 scratch one slice per thread,
// and the input pages of a finished slice are dropped from the process
// (madvise), so the peak resident set is about the largest output tensor
// plus the slices, not the model.
//
// GGUF input: all metadata is copied except general.file_type,
// general.quantization_version and general.alignment (rewritten); every
// tensor is kept, in file order. HF input: metadata from the config (see
// formats/gguf_model_metadata.h) plus the tokenizer metadata the caller
// converted (the tokenizer layer sits above this one); Q and K projection
// rows of llama/mistral are permuted from the HF (NeoX) order to the
// interleaved RoPE order llama.cpp's converter writes; tied embeddings are
// written once, as token_embd.weight.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "formats/gguf_value.h"
#include "formats/model_description.h"
#include "model/quantize/quantize_plan.h"
#include "util/status.h"

namespace servir {

struct QuantizeProgress {
  std::size_t tensor_index = 0;  // of the tensor being written
  std::size_t n_tensors = 0;
  const PlannedTensor* tensor = nullptr;
  std::uint64_t tensor_rows_done = 0, tensor_rows = 0;
  std::uint64_t input_bytes_done = 0, input_bytes_total = 0;  // over the whole model
  bool tensor_finished = false;
};

struct QuantizeOptions {
  QuantizePlanOptions plan;  // n_layers is taken from the model
  int n_threads = 0;         // 0: every physical core
  // Quantized inputs are refused unless set (as llama-quantize
  // --allow-requantize): requantizing loses more than quantizing once.
  bool allow_requantize = false;
  // HF input: tokenizer.* metadata (tokenizer/gguf_tokenizer_metadata.h).
  std::vector<std::pair<std::string, GgufValue>> tokenizer_metadata;
  std::function<void(const QuantizeProgress&)> on_progress;
};

struct QuantizedTensorInfo {
  PlannedTensor plan;
  GgmlType input_type = GgmlType::kF32;
  std::vector<std::uint64_t> ne;  // innermost first
  std::uint64_t input_bytes = 0, output_bytes = 0;
};

struct QuantizeResult {
  std::vector<QuantizedTensorInfo> tensors;
  std::uint64_t input_bytes = 0, output_bytes = 0;  // tensor data
  std::uint64_t n_elements = 0;                     // of the written tensors
  std::uint64_t output_file_bytes = 0;
};

// The tensors the output will hold and their planned types, without writing
// (`servir quantize --dry-run`). Fails on a quantized input without
// allow_requantize.
Result<QuantizeResult> plan_model_quantization(const ModelDescription& model, const QuantizeOptions& options);

// Writes `out_path` atomically (temporary sibling renamed into place).
Result<QuantizeResult> quantize_model(const ModelDescription& model, const std::string& out_path,
                                      const QuantizeOptions& options);

// HF (NeoX) rows of a Q or K projection [n_heads * head_dim, cols] to the
// interleaved order of llama.cpp's converter: within each head, row
// 2 * i + half comes from row half * head_dim / 2 + i.
std::uint64_t interleaved_source_row(std::uint64_t row, std::int64_t head_dim);

}  // namespace servir
