// The secrets scanner: credentials pasted into prompts or leaking out of a
// model's output.
//
// Types (Finding::type) and what they match:
//   AWS_ACCESS_KEY      AKIA/ASIA + 16 upper-case letters or digits
//   AWS_SECRET_KEY      40 base64 characters within 100 bytes after "aws ...
//                       secret" or "secret access key" (entropy >= 3.5)
//   GITHUB_TOKEN        ghp_/gho_/ghu_/ghs_/ghr_ + 36+, github_pat_ + 22+
//   GITLAB_TOKEN        glpat- + 20+
//   SLACK_TOKEN         xoxb-/xoxp-/xoxa-/xoxr-/xoxs-/xoxo-, hooks.slack.com URLs
//   STRIPE_KEY          sk_/rk_/pk_ + live_/test_ (pk_: 0.6, it is publishable)
//   OPENAI_API_KEY      sk-, sk-proj-, sk-svcacct-, sk-admin- + 20+ (not sk-ant-)
//   ANTHROPIC_API_KEY   sk-ant-...
//   GOOGLE_API_KEY      AIza + 35
//   JWT                 three base64url segments whose header decodes to a
//                       JSON object with "alg"
//   PRIVATE_KEY         -----BEGIN ... PRIVATE KEY----- to its END line; when
//                       the END is missing, the base64 lines after BEGIN
//   CONNECTION_STRING   scheme://[user]:password@host[/path] for postgres,
//                       mysql, mongodb(+srv), redis(s), amqp(s), mssql, jdbc:*,
//                       ldap, ftp, smtp, http(s), ...; the span is the whole
//                       URL; placeholder passwords (${X}, <x>, ****) do not count
//   PASSWORD_ASSIGNMENT password/passwd/pwd/pass/passphrase/contraseña/clave/
//                       пароль followed by = : => := (or "is"/"es"/"—" when the
//                       value mixes letters with digits or symbols); the span is
//                       the value; placeholders and code (getpass(),
//                       os.environ[...], cfg.password, None) do not count
//   GENERIC_SECRET      a 20..200-character base64/hex token right after a
//                       key-ish word (key, token, secret, api_key, bearer,
//                       credential, clave, ключ, токен, секрет), with a digit
//                       and a letter and Shannon entropy >=
//                       `generic_min_entropy_bits` (hex-only: 32+ characters
//                       and >= 3.0 bits); UUIDs, longer runs (base64 images)
//                       and git hashes without such a word never match
// Provider tokens must not be glued to more token characters. Overlapping
// findings: the higher score wins (provider rules 0.9-0.99 over generic
// 0.7-0.8). Offsets are byte offsets into the text. Linear time (RE2 only,
// each pattern built once); text is read in 16 KiB segments with the
// deadline checked between them. Thread-safe: immutable once built.
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
  // GENERIC_SECRET: minimum Shannon entropy in bits per character of a
  // base64-alphabet token (random base64 of 20+ characters scores 4.0+).
  double generic_min_entropy_bits = 3.5;
};

std::unique_ptr<Scanner> make_secrets_scanner(const SecretsScannerOptions& options = {});

// Every type the secrets scanner can report, in a stable order.
const std::vector<std::string>& secrets_types();

}  // namespace servir::guard
