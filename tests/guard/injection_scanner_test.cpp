#include "guard/injection_scanner.h"

#include <gtest/gtest.h>

#include "guard/injection_rules.h"

namespace servir::guard {
namespace {

TEST(InjectionRules, AllCompile) {
  RuleMatcher matcher(default_injection_rules());
  for (const std::string& broken : matcher.broken_rules()) ADD_FAILURE() << broken;
}

}  // namespace
}  // namespace servir::guard
