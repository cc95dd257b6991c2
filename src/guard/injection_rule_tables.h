// The rule tables behind default_injection_rules(), one function per
// language group (injection_rules_en.cpp, _es, _ru, _intl for French,
// German, Portuguese, Italian and Chinese, _markers for role markers and
// language-independent jailbreak names). Internal to the injection scanner.
#pragma once

#include <string>
#include <vector>

#include "guard/injection_rules.h"

namespace servir::guard::injection_tables {

// Adds a rule; score_tool < 0 means score_user + 0.1 (capped at 0.95).
void add_rule(std::vector<InjectionRule>& rules, std::string id, RuleFamily family, double score_user,
              std::string pattern, double score_tool = -1.0);

void add_english(std::vector<InjectionRule>& rules);
void add_spanish(std::vector<InjectionRule>& rules);
void add_russian(std::vector<InjectionRule>& rules);
void add_international(std::vector<InjectionRule>& rules);
void add_markers(std::vector<InjectionRule>& rules);
void add_classics(std::vector<InjectionRule>& rules);

}  // namespace servir::guard::injection_tables
