#include "guard/secrets_scanner.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <memory>

#include "guard/pii_text.h"
#include "guard/secrets_entropy.h"

namespace servir::guard {
namespace {

enum SecretType : int {
  kAwsAccessKey,
  kAwsSecretKey,
  kGithubToken,
  kGitlabToken,
  kSlackToken,
  kStripeKey,
  kOpenAiKey,
  kAnthropicKey,
  kGoogleKey,
  kJwt,
  kPrivateKey,
  kConnectionString,
  kPasswordAssignment,
  kGenericSecret,
  kSecretTypeCount,
};

constexpr std::array<std::string_view, kSecretTypeCount> kTypeNames = {
    "AWS_ACCESS_KEY", "AWS_SECRET_KEY",    "GITHUB_TOKEN",        "GITLAB_TOKEN",   "SLACK_TOKEN",
    "STRIPE_KEY",     "OPENAI_API_KEY",    "ANTHROPIC_API_KEY",   "GOOGLE_API_KEY", "JWT",
    "PRIVATE_KEY",    "CONNECTION_STRING", "PASSWORD_ASSIGNMENT", "GENERIC_SECRET"};

struct Candidate {
  int type;
  std::size_t start;
  std::size_t end;
  std::string_view rule;
  double score;
};

// How far past its segment a token match may run (PEM blocks excepted).
constexpr std::size_t kMaxTokenBytes = 1024;
constexpr std::size_t kMaxPemBytes = 64 * 1024;

re2::StringPiece piece(std::string_view s) { return re2::StringPiece(s.data(), s.size()); }

bool token_char(char c) { return is_ascii_alnum(c) || c == '_' || c == '-'; }
bool base64_char(char c) { return is_ascii_alnum(c) || c == '+' || c == '/' || c == '=' || c == '_' || c == '-'; }

// Calls f(start, end) for each match of `re` that starts in [from, to).
template <typename F>
void for_each_match(const RE2& re, std::string_view text, std::size_t from, std::size_t to, std::size_t max_len, F f) {
  const std::size_t endpos = std::min(text.size(), to + max_len);
  std::size_t pos = from;
  re2::StringPiece m;
  while (pos < to && re.Match(piece(text), pos, endpos, RE2::UNANCHORED, &m, 1)) {
    const std::size_t s = static_cast<std::size_t>(m.data() - text.data());
    const std::size_t e = s + m.size();
    if (s >= to) break;
    f(s, e);
    pos = e > s ? e : s + 1;
  }
}

bool has_digit_and_letter(std::string_view s) {
  bool digit = false;
  bool letter = false;
  for (char c : s) {
    digit = digit || is_ascii_digit(c);
    letter = letter || is_ascii_alpha(c);
  }
  return digit && letter;
}

bool all_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); });
}

bool looks_like_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < 36; ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash != (s[i] == '-')) return false;
    if (!dash && !all_hex(s.substr(i, 1))) return false;
  }
  return true;
}

// Base64url without padding -> bytes; false on a character outside it.
bool base64url_decode(std::string_view in, std::string& out) {
  out.clear();
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = 0;
    if (c >= 'A' && c <= 'Z') {
      v = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      v = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      v = c - '0' + 52;
    } else if (c == '-' || c == '+') {
      v = 62;
    } else if (c == '_' || c == '/') {
      v = 63;
    } else if (c == '=') {
      break;
    } else {
      return false;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

// Placeholders and masked values that are not a secret.
bool placeholder_value(std::string_view v) {
  if (v.empty()) return true;
  if (v.front() == '$' || v.front() == '<' || v.front() == '%' || v.substr(0, 2) == "{{") return true;
  if (std::all_of(v.begin(), v.end(), [&](char c) { return c == v.front(); })) return true;  // "****", "xxxx"
  std::string lower;
  fold_case_append(v, lower);
  static constexpr std::array<std::string_view, 24> kWords = {
      "password", "passwd", "pass",      "secret",        "changeme",     "required",   "optional",    "none",
      "null",     "nil",    "empty",     "hidden",        "redacted",     "example",    "string",      "str",
      "true",     "false",  "undefined", "your_password", "yourpassword", "mypassword", "placeholder", "todo"};
  for (std::string_view w : kWords) {
    if (lower == w) return true;
  }
  return lower.find("your") == 0 || lower.find("xxx") != std::string::npos || lower.find("***") != std::string::npos;
}

class SecretsScanner final : public Scanner {
 public:
  explicit SecretsScanner(const SecretsScannerOptions& options) : options_(options) {
    enabled_.fill(options.types.empty());
    for (const std::string& name : options.types) {
      for (int t = 0; t < kSecretTypeCount; ++t) {
        if (kTypeNames[t] == name) enabled_[t] = true;
      }
    }
    RE2::Options ci;
    ci.set_case_sensitive(false);
    aws_access_ = std::make_unique<RE2>("(?:AKIA|ASIA)[A-Z0-9]{16}");
    aws_secret_context_ = std::make_unique<RE2>("aws.{0,24}secret|secret.?access.?key", ci);
    aws_secret_ = std::make_unique<RE2>("[A-Za-z0-9/+]{40}");
    github_ = std::make_unique<RE2>("(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}");
    gitlab_ = std::make_unique<RE2>("glpat-[A-Za-z0-9_\\-]{20,64}");
    slack_ = std::make_unique<RE2>("xox[abposr]-[A-Za-z0-9\\-]{10,250}");
    slack_hook_ =
        std::make_unique<RE2>("https?://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/\\-]{8,250}");
    stripe_ = std::make_unique<RE2>("(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,247}");
    anthropic_ = std::make_unique<RE2>("sk-ant-[A-Za-z0-9_\\-]{20,250}");
    openai_ = std::make_unique<RE2>("sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\\-]{20,250}");
    google_ = std::make_unique<RE2>("AIza[0-9A-Za-z_\\-]{35}");
    jwt_ = std::make_unique<RE2>("eyJ[A-Za-z0-9_\\-]{8,}\\.[A-Za-z0-9_\\-]{2,}\\.[A-Za-z0-9_\\-]*");
    pem_begin_ = std::make_unique<RE2>("-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----");
    pem_end_ = std::make_unique<RE2>("-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----");
    connection_ = std::make_unique<RE2>(
        "(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\\+srv)?|rediss?|amqps?|mssql|sqlserver|oracle|"
        "jdbc:[a-z0-9]+|clickhouse|cockroachdb|couchdb|neo4j(?:\\+s)?|mqtts?|kafka|ldaps?|s?ftp|smtps?|https?)"
        "://[^\\s:/@'\"]*:[^\\s@'\"/]+@[^\\s/'\"?#,;)<>]+(?:[/?][^\\s'\"<>]*)?",
        ci);
    password_key_ =
        std::make_unique<RE2>("passwords?|passwd|passphrase|pwd|pass|contraseña|contrasena|clave|пароль|пароля", ci);
    generic_key_ = std::make_unique<RE2>(
        "api[_\\-]?key|apikey|access[_\\-]?key|secret[_\\-]?key|client[_\\-]?secret|auth[_\\-]?token|"
        "access[_\\-]?token|api[_\\-]?token|token|secret|bearer|key|credential|clave|ключ|токен|секрет",
        ci);
  }

  ScannerKind kind() const override { return ScannerKind::kSecrets; }

  void scan(std::string_view text, const ScanContext& ctx, std::vector<Finding>& out) const override {
    std::vector<Candidate> candidates;
    scan_in_segments(text, ctx, kind(), out, [&](std::string_view bounded, std::size_t pos, std::size_t end) {
      candidates.clear();
      find_tokens(bounded, pos, end, candidates);
      find_private_keys(bounded, pos, end, candidates);
      find_connection_strings(bounded, pos, end, candidates);
      find_passwords(bounded, pos, end, candidates);
      find_generic(bounded, pos, end, candidates);
      resolve(candidates, out);
    });
  }

 private:
  // Provider tokens with a documented prefix. Each must stand alone: no
  // token character glued before or after it.
  void find_tokens(std::string_view text, std::size_t from, std::size_t to, std::vector<Candidate>& out) const {
    const std::string_view seg = text.substr(from, std::min(text.size(), to + kMaxTokenBytes) - from);
    auto add_if_alone = [&](const RE2& re, int type, std::string_view rule, double score, auto accept) {
      for_each_match(re, text, from, to, kMaxTokenBytes, [&](std::size_t s, std::size_t e) {
        if (s > 0 && token_char(text[s - 1])) return;
        if (e < text.size() && token_char(text[e])) return;
        if (!accept(text.substr(s, e - s))) return;
        out.push_back({type, s, e, rule, score});
      });
    };
    auto any = [](std::string_view) { return true; };
    if (seg.find("AKIA") != std::string_view::npos || seg.find("ASIA") != std::string_view::npos) {
      add_if_alone(*aws_access_, kAwsAccessKey, "secrets.aws.access_key", 0.95, any);
    }
    if (seg.find("gh") != std::string_view::npos || seg.find("github_pat_") != std::string_view::npos) {
      add_if_alone(*github_, kGithubToken, "secrets.github.token", 0.95, any);
    }
    if (seg.find("glpat-") != std::string_view::npos) {
      add_if_alone(*gitlab_, kGitlabToken, "secrets.gitlab.token", 0.95, any);
    }
    if (seg.find("xox") != std::string_view::npos) {
      add_if_alone(*slack_, kSlackToken, "secrets.slack.token", 0.95, any);
    }
    if (seg.find("hooks.slack.com") != std::string_view::npos) {
      for_each_match(*slack_hook_, text, from, to, kMaxTokenBytes, [&](std::size_t s, std::size_t e) {
        out.push_back({kSlackToken, s, e, "secrets.slack.webhook", 0.95});
      });
    }
    if (seg.find("_live_") != std::string_view::npos || seg.find("_test_") != std::string_view::npos) {
      for_each_match(*stripe_, text, from, to, kMaxTokenBytes, [&](std::size_t s, std::size_t e) {
        if ((s > 0 && token_char(text[s - 1])) || (e < text.size() && token_char(text[e]))) return;
        // Publishable keys are meant for browsers: worth a flag, not a block.
        const double score = text[s] == 'p' ? 0.6 : 0.95;
        out.push_back({kStripeKey, s, e, "secrets.stripe.key", score});
      });
    }
    if (seg.find("sk-") != std::string_view::npos) {
      add_if_alone(*anthropic_, kAnthropicKey, "secrets.anthropic.api_key", 0.97, any);
      add_if_alone(*openai_, kOpenAiKey, "secrets.openai.api_key", 0.9, [](std::string_view m) {
        return m.substr(0, 7) != "sk-ant-" && has_digit_and_letter(m) && shannon_entropy_bits(m) >= 3.0;
      });
    }
    if (seg.find("AIza") != std::string_view::npos) {
      add_if_alone(*google_, kGoogleKey, "secrets.google.api_key", 0.95, any);
    }
    if (seg.find("eyJ") != std::string_view::npos) {
      std::string header;
      add_if_alone(*jwt_, kJwt, "secrets.jwt", 0.9, [&](std::string_view m) {
        const std::string_view head = m.substr(0, m.find('.'));
        return base64url_decode(head, header) && !header.empty() && header.front() == '{' &&
               header.find("\"alg\"") != std::string::npos;
      });
    }
    find_aws_secrets(text, from, to, out);
  }

  // 40 base64 characters within 100 bytes after "aws ... secret" or
  // "secret access key".
  void find_aws_secrets(std::string_view text, std::size_t from, std::size_t to, std::vector<Candidate>& out) const {
    for_each_match(*aws_secret_context_, text, from, to, 64, [&](std::size_t, std::size_t e) {
      const std::size_t until = std::min(text.size(), e + 100);
      re2::StringPiece m;
      if (!aws_secret_->Match(piece(text), e, until, RE2::UNANCHORED, &m, 1)) return;
      const std::size_t s = static_cast<std::size_t>(m.data() - text.data());
      const std::size_t end = s + m.size();
      if ((s > 0 && base64_char(text[s - 1])) || (end < text.size() && base64_char(text[end]))) return;
      const std::string_view token = text.substr(s, end - s);
      if (!has_digit_and_letter(token) || shannon_entropy_bits(token) < 3.5) return;
      out.push_back({kAwsSecretKey, s, end, "secrets.aws.secret_key", 0.9});
    });
  }

  // A PEM private key block: from BEGIN to its END line, or, when the END is
  // missing (a truncated paste), over the base64 lines that follow BEGIN.
  void find_private_keys(std::string_view text, std::size_t from, std::size_t to, std::vector<Candidate>& out) const {
    if (text.substr(from, to - from).find("-----BEGIN") == std::string_view::npos) return;
    // One END search serves every BEGIN before it, and a search that found
    // none is not repeated over the same bytes: linear however many BEGINs.
    std::size_t next_end = std::string_view::npos;  // start of the next END at or after the last search's start
    std::size_t next_end_len = 0;
    std::size_t searched_until = 0;
    for_each_match(*pem_begin_, text, from, to, 128, [&](std::size_t s, std::size_t e) {
      const std::size_t until = std::min(text.size(), s + kMaxPemBytes);
      if (next_end == std::string_view::npos || next_end < e) {
        std::size_t search_from = e;
        if (next_end == std::string_view::npos && searched_until > e + 64) search_from = searched_until - 64;
        next_end = std::string_view::npos;
        re2::StringPiece m;
        if (search_from < until && pem_end_->Match(piece(text), search_from, until, RE2::UNANCHORED, &m, 1)) {
          next_end = static_cast<std::size_t>(m.data() - text.data());
          next_end_len = m.size();
        }
        searched_until = std::max(searched_until, until);
      }
      std::size_t end = e;
      if (next_end != std::string_view::npos && next_end >= e && next_end + next_end_len <= until) {
        end = next_end + next_end_len;
      } else {
        while (end < until) {
          const char c = text[end];
          if (c == '-' && text.substr(end, 5) == "-----") break;  // the next armour line
          if (base64_char(c) || c == '\n' || c == '\r' || c == ' ' || c == ':' || c == ',') {
            if (c == '\n' && end + 1 < until && text[end + 1] == '\n') break;
            ++end;
          } else {
            break;
          }
        }
        while (end > e && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' ')) --end;
      }
      out.push_back({kPrivateKey, s, end, "secrets.private_key.pem", 0.99});
    });
  }

  // scheme://user:password@host[/path]: the span is the whole URL (its user
  // and host say whose database it opens). Placeholder passwords drop it.
  void find_connection_strings(std::string_view text, std::size_t from, std::size_t to,
                               std::vector<Candidate>& out) const {
    if (text.substr(from, to - from).find("://") == std::string_view::npos) return;
    for_each_match(*connection_, text, from, to, kMaxTokenBytes, [&](std::size_t s, std::size_t e) {
      if (s > 0 && is_ascii_alnum(text[s - 1])) return;
      while (e > s && (text[e - 1] == '.' || text[e - 1] == ',' || text[e - 1] == ')' || text[e - 1] == ';')) --e;
      const std::string_view url = text.substr(s, e - s);
      const std::size_t scheme_end = url.find("://");
      const std::size_t at = url.find('@', scheme_end);
      const std::size_t colon = url.find(':', scheme_end + 3);
      const std::string_view password = url.substr(colon + 1, at - colon - 1);
      if (placeholder_value(password)) return;
      const bool web = url.substr(0, 4) == "http" || url.substr(0, 4) == "HTTP";
      out.push_back({kConnectionString, s, e, "secrets.connection_string", web ? 0.8 : 0.9});
    });
  }

  // password=..., "password": "...", pwd: ..., contraseña: ..., пароль: ...
  // The span is the value. Unquoted values after ':' or "is" must look like
  // a password (a digit or symbol and a letter), so prose ("Password:
  // required") stays quiet; code that computes the value does too.
  void find_passwords(std::string_view text, std::size_t from, std::size_t to, std::vector<Candidate>& out) const {
    for_each_match(*password_key_, text, from, to, 64, [&](std::size_t s, std::size_t e) {
      if (s > 0 && text[s - 1] != '_' && word_char_before(text, s)) return;
      if (word_char_at(text, e) && text[e] != '_') return;
      std::size_t i = e;
      if (i < text.size() && text[i] == '_') return;  // password_hash, PASSWORD_FILE
      if (i < text.size() && (text[i] == '"' || text[i] == '\'')) ++i;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      enum { kNone, kEquals, kColon, kIs } op = kNone;
      if (text.substr(i, 2) == "=>" || text.substr(i, 2) == ":=") {
        op = kEquals;
        i += 2;
      } else if (i < text.size() && text[i] == '=') {
        op = kEquals;
        ++i;
        if (i < text.size() && text[i] == '=') return;  // a comparison
      } else if (i < text.size() && text[i] == ':') {
        op = kColon;
        ++i;
      } else if (text.substr(i, 3) == "is " || text.substr(i, 3) == "es " ||
                 text.substr(i, 7) == "\xE2\x80\x94 ") {  // "—"
        op = kIs;
        i += text[i] == '\xE2' ? 4 : 3;
      }
      if (op == kNone) return;
      while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
      if (i >= text.size()) return;
      std::size_t vs = i;
      std::size_t ve = i;
      bool quoted = false;
      const char q = text[i];
      if (q == '"' || q == '\'' || q == '`') {
        const std::size_t close = text.find(q, i + 1);
        if (close == std::string_view::npos || close - i > 130) return;
        vs = i + 1;
        ve = close;
        quoted = true;
        if (text.substr(vs, ve - vs).find('\n') != std::string_view::npos) return;
      } else {
        while (ve < text.size() && ve - vs < 128) {
          const char c = text[ve];
          if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ';' || c == '}' || c == ')' ||
              c == ']' || c == '"' || c == '\'' || c == '&') {
            break;
          }
          ++ve;
        }
        // A sentence may end right after the value.
        if (op != kEquals && ve - vs >= 2 && text[ve - 1] == '.' &&
            (ve == text.size() || text[ve] == ' ' || text[ve] == '\n')) {
          --ve;
        }
      }
      const std::string_view value = text.substr(vs, ve - vs);
      if (value.size() < (quoted ? 3 : 4) || placeholder_value(value)) return;
      if (!quoted) {
        // Code computing the value: getpass(), os.environ["X"], cfg.password.
        if (value.find('(') != std::string_view::npos || value.find('[') != std::string_view::npos) return;
        const bool identifier_path =
            value.find('.') != std::string_view::npos &&
            std::all_of(value.begin(), value.end(), [](char c) { return is_ascii_alnum(c) || c == '_' || c == '.'; }) &&
            !is_ascii_digit(value.front());
        if (identifier_path) return;
        bool letter = false;
        bool other = false;
        for (char c : value) {
          if (is_ascii_alpha(c) || static_cast<unsigned char>(c) >= 0x80) {
            letter = true;
          } else {
            other = true;
          }
        }
        if (op != kEquals && !(letter && other)) return;
      }
      const double score = op == kIs ? 0.7 : (quoted || op == kEquals ? 0.85 : 0.75);
      out.push_back({kPasswordAssignment, vs, ve, "secrets.password.assignment", score});
    });
  }

  // GENERIC_SECRET: a token of 20..200 base64/hex characters right after a
  // key-ish word ("api_key = ...", "Authorization: Bearer ...", "токен:
  // ..."), with at least one digit and one letter and Shannon entropy of at
  // least `generic_min_entropy_bits` (hex-only tokens: 32+ characters and
  // 3.0 bits, since hex tops out at 4). UUIDs, tokens longer than 200
  // characters (base64 images) and tokens after "base64," are skipped.
  void find_generic(std::string_view text, std::size_t from, std::size_t to, std::vector<Candidate>& out) const {
    for_each_match(*generic_key_, text, from, to, 64, [&](std::size_t s, std::size_t e) {
      if (s > 0 && (is_ascii_alpha(text[s - 1]) || word_char_before(text, s))) {
        if (text[s - 1] != '_') return;
      }
      std::size_t i = e;
      // The key word may start an identifier (key_id, token-value) or be
      // plural; a word that runs on ("keyboard", "tokenizer") is another word.
      if (i < text.size() && (text[i] == '_' || text[i] == '-')) {
        while (i < text.size() && (is_ascii_alnum(text[i]) || text[i] == '_' || text[i] == '-') && i - e < 24) ++i;
      } else if (i < text.size() && (text[i] == 's' || text[i] == 'S') && !word_char_at(text, i + 1)) {
        ++i;
      }
      if (word_char_at(text, i)) return;
      const std::size_t sep_start = i;
      while (i < text.size() && i - sep_start < 12) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == ':' || c == '=' || c == '>' || c == '"' || c == '\'' || c == '`' ||
            c == ',' || c == '(') {
          ++i;
        } else if (text.substr(i, 3) == "is " || text.substr(i, 3) == "es ") {
          i += 3;
        } else {
          break;
        }
      }
      if (text.substr(i, 7) == "Bearer " || text.substr(i, 7) == "bearer ") i += 7;
      std::size_t j = i;
      while (j < text.size() && base64_char(text[j]) && j - i <= 200) ++j;
      const std::string_view token = text.substr(i, j - i);
      if (token.size() < 20 || token.size() > 200) return;
      if (j < text.size() && (base64_char(text[j]) || text[j] == '.')) return;
      if (looks_like_uuid(token) || !has_digit_and_letter(token)) return;
      const double bits = shannon_entropy_bits(token);
      const bool hex = all_hex(token);
      if (hex ? (token.size() < 32 || bits < 3.0) : bits < options_.generic_min_entropy_bits) return;
      out.push_back({kGenericSecret, i, j, "secrets.generic.high_entropy", bits >= 4.0 ? 0.8 : 0.7});
    });
  }

  void resolve(std::vector<Candidate>& candidates, std::vector<Finding>& out) const {
    std::erase_if(candidates, [&](const Candidate& c) {
      return !enabled_[c.type] || c.score < options_.score_threshold || c.end <= c.start;
    });
    if (candidates.empty()) return;
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      if (a.score != b.score) return a.score > b.score;
      if (a.end - a.start != b.end - b.start) return a.end - a.start > b.end - b.start;
      return a.start < b.start;
    });
    std::vector<std::pair<std::size_t, std::size_t>> taken;
    for (const Candidate& c : candidates) {
      bool overlaps = false;
      for (const auto& [s, e] : taken) overlaps = overlaps || (c.start < e && s < c.end);
      if (overlaps) continue;
      taken.emplace_back(c.start, c.end);
      out.push_back(Finding{.scanner = ScannerKind::kSecrets,
                            .type = std::string(kTypeNames[c.type]),
                            .start = c.start,
                            .end = c.end,
                            .rule = std::string(c.rule),
                            .score = c.score});
    }
  }

  SecretsScannerOptions options_;
  std::array<bool, kSecretTypeCount> enabled_{};
  std::unique_ptr<RE2> aws_access_, aws_secret_context_, aws_secret_, github_, gitlab_, slack_, slack_hook_, stripe_,
      anthropic_, openai_, google_, jwt_, pem_begin_, pem_end_, connection_, password_key_, generic_key_;
};

}  // namespace

std::unique_ptr<Scanner> make_secrets_scanner(const SecretsScannerOptions& options) {
  return std::make_unique<SecretsScanner>(options);
}

const std::vector<std::string>& secrets_types() {
  static const std::vector<std::string> kTypes(kTypeNames.begin(), kTypeNames.end());
  return kTypes;
}

}  // namespace servir::guard
