// Fuzzes the guard policy file reader (guard/policy.h): a bad file is a
// kInvalidArgument status naming a node, never a crash, hang or sanitizer
// report; a good one yields a default policy and answers lookups.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "guard/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = servir::guard::GuardConfig::parse(text);
  if (!config.ok()) {
    if (config.status().code() != servir::ErrorCode::kInvalidArgument) __builtin_trap();
    return 0;
  }
  const auto& p = config->policy_for_key("a1b2c3d4");
  volatile auto sink = p.input.max_action() >= p.output.max_action();
  (void)sink;
  (void)config->uses_moderation();
  return 0;
}
