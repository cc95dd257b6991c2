// The secrets scanner: credentials pasted into prompts or leaking out of a
// model's output.
//
// Types (Finding::type): AWS_ACCESS_KEY, AWS_SECRET_KEY, GITHUB_TOKEN,
// GITLAB_TOKEN, SLACK_TOKEN, STRIPE_KEY, OPENAI_API_KEY, ANTHROPIC_API_KEY,
// GOOGLE_API_KEY, JWT, PRIVATE_KEY, CONNECTION_STRING, PASSWORD_ASSIGNMENT,
// GENERIC_SECRET. Provider tokens are matched by their documented prefixes;
// AWS secret keys, password assignments and generic secrets need a key-ish
// word nearby. Offsets are byte offsets into the text. Thread-safe: the
// scanner is immutable once built.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "guard/scanner.h"

namespace servir::guard {

struct SecretsScannerOptions {
  // Types to report; empty = all of them.
  std::vector<std::string> types;
  // Findings scored below this are dropped.
  double score_threshold = 0.5;
  // GENERIC_SECRET: minimum Shannon entropy in bits per character.
  double generic_min_entropy_bits = 3.5;
};

std::unique_ptr<Scanner> make_secrets_scanner(const SecretsScannerOptions& options = {});

// Every type the secrets scanner can report, in a stable order.
const std::vector<std::string>& secrets_types();

}  // namespace servir::guard
