// Sandbox limits of the chat-template interpreter. Templates are untrusted
// (they come from model files and, in some deployments, from requests), so
// every dimension a template can grow is bounded; hitting a bound fails the
// render with ErrorCode::kResourceExhausted and says which limit it was.
#pragma once

#include <cstddef>
#include <cstdint>

namespace servir {

struct ChatTemplateLimits {
  // Template source size accepted by ChatTemplate::parse.
  std::size_t max_template_bytes = 1 << 20;
  // Nesting of blocks and expressions in the source (parser recursion).
  std::uint32_t max_parse_depth = 100;
  // Loop iterations summed over all loops of one render.
  std::uint64_t max_loop_iterations = 1'000'000;
  // Nested macro calls (recursion included).
  std::uint32_t max_call_depth = 64;
  // Nested evaluation (expressions, blocks and calls together): bounds the
  // interpreter's native stack use.
  std::uint32_t max_render_depth = 500;
  // Bytes of rendered output, also of any captured block or macro output.
  std::size_t max_output_bytes = 8 << 20;
  // Largest string (bytes) or list (items) one operation may build.
  std::size_t max_value_size = 8 << 20;
  // Evaluation work of one render: one unit per evaluated node plus one per
  // 16 bytes or item built. Bounds CPU time whatever the template does.
  std::uint64_t max_work_units = 100'000'000;
};

}  // namespace servir
