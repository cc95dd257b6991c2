#include "guard/payload_decoder.h"

#include <array>
#include <cstdint>

#include "tokenizer/unicode.h"

namespace servir::guard {
namespace {

constexpr std::size_t kMinBase64 = 16;
constexpr std::size_t kMinHexDigits = 16;
constexpr std::size_t kMinHexBytes = 6;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_hex(char c) { return hex_value(c) >= 0; }
bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// 0..63 for both alphabets ('+' and '-' are 62, '/' and '_' are 63); -1 else.
constexpr std::array<std::int8_t, 256> make_base64_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 26; ++i) {
    t[static_cast<std::size_t>('A' + i)] = static_cast<std::int8_t>(i);
    t[static_cast<std::size_t>('a' + i)] = static_cast<std::int8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) t[static_cast<std::size_t>('0' + i)] = static_cast<std::int8_t>(52 + i);
  t['+'] = t['-'] = 62;
  t['/'] = t['_'] = 63;
  return t;
}
constexpr std::array<std::int8_t, 256> kBase64 = make_base64_table();

int base64_value(char c) { return kBase64[static_cast<unsigned char>(c)]; }

std::string decode_base64(std::string_view run) {
  std::string out;
  out.reserve(run.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : run) {
    const int v = base64_value(c);
    if (v < 0) break;  // '=' padding
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

// HTML entities may name anything; what is not a scalar value becomes U+FFFD.
void push_utf8(std::uint32_t c, std::string& out) {
  if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = kReplacementCharacter;
  utf8_append(out, c);
}

class Collector {
 public:
  Collector(std::size_t budget, PayloadSearch& result) : budget_(budget), result_(result) {}

  // Keeps `decoded` when it reads as text; false once the budget is spent.
  bool offer(PayloadEncoding encoding, std::size_t start, std::size_t end, std::string decoded) {
    if (result_.budget_hit) return false;
    if (result_.decoded_bytes + decoded.size() > budget_) {
      result_.budget_hit = true;
      result_.stopped_at = start;
      return false;
    }
    if (!looks_like_text(decoded)) return true;
    result_.decoded_bytes += decoded.size();
    result_.payloads.push_back(
        DecodedPayload{.encoding = encoding, .start = start, .end = end, .text = std::move(decoded)});
    return true;
  }

 private:
  std::size_t budget_;
  PayloadSearch& result_;
};

void find_base64(std::string_view text, Collector& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    if (base64_value(text[i]) < 0) {
      ++i;
      continue;
    }
    const std::size_t start = i;
    bool std_alpha = false, url_alpha = false, upper = false, lower = false;
    while (i < text.size() && base64_value(text[i]) >= 0) {
      const char c = text[i];
      std_alpha |= c == '+' || c == '/';
      url_alpha |= c == '-' || c == '_';
      upper |= c >= 'A' && c <= 'Z';
      lower |= c >= 'a' && c <= 'z';
      ++i;
    }
    std::size_t data_end = i;
    while (i < text.size() && text[i] == '=' && i - data_end < 2) ++i;
    const std::size_t n = data_end - start;
    // Real payloads mix cases (or digits); plain words and slugs do not.
    if (n < kMinBase64 || (std_alpha && url_alpha) || !(upper && lower) || n % 4 == 1) continue;
    if (!out.offer(PayloadEncoding::kBase64, start, i, decode_base64(text.substr(start, n)))) return;
  }
}

void find_hex(std::string_view text, Collector& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    // "\x41\x42..." escapes (any separators of spaces between them).
    if (text[i] == '\\' && i + 3 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X') && is_hex(text[i + 2]) &&
        is_hex(text[i + 3])) {
      const std::size_t start = i;
      std::string decoded;
      while (i + 3 < text.size() && text[i] == '\\' && (text[i + 1] == 'x' || text[i + 1] == 'X') &&
             is_hex(text[i + 2]) && is_hex(text[i + 3])) {
        decoded.push_back(static_cast<char>(hex_value(text[i + 2]) * 16 + hex_value(text[i + 3])));
        i += 4;
        if (i < text.size() && text[i] == ' ' && i + 1 < text.size() && text[i + 1] == '\\') ++i;
      }
      if (decoded.size() >= kMinHexBytes && !out.offer(PayloadEncoding::kHex, start, i, std::move(decoded))) return;
      continue;
    }
    const bool word_start = i == 0 || !(is_hex(text[i - 1]) || text[i - 1] == '_');
    if (!word_start || !is_hex(text[i])) {
      ++i;
      continue;
    }
    // A byte list: "69 67 6e", "0x69,0x67", "69:67:6e".
    std::size_t j = i;
    std::string bytes;
    std::size_t list_end = i;
    while (j < text.size()) {
      std::size_t k = j;
      if (k + 1 < text.size() && text[k] == '0' && (text[k + 1] == 'x' || text[k + 1] == 'X')) k += 2;
      if (k + 1 < text.size() && is_hex(text[k]) && is_hex(text[k + 1]) &&
          (k + 2 == text.size() || !is_hex(text[k + 2]))) {
        bytes.push_back(static_cast<char>(hex_value(text[k]) * 16 + hex_value(text[k + 1])));
        list_end = k + 2;
        j = k + 2;
        if (j < text.size() && (text[j] == ' ' || text[j] == ',' || text[j] == ':')) {
          ++j;
          if (j < text.size() && text[j] == ' ' && text[j - 1] == ',') ++j;
          continue;
        }
      }
      break;
    }
    if (bytes.size() >= kMinHexBytes) {
      if (!out.offer(PayloadEncoding::kHex, i, list_end, std::move(bytes))) return;
      i = list_end;
      continue;
    }
    // A plain run of hex digits.
    j = i;
    bool letter = false;
    while (j < text.size() && is_hex(text[j])) letter |= !(text[j] >= '0' && text[j] <= '9'), ++j;
    const bool word_end =
        j == text.size() || !((text[j] >= 'g' && text[j] <= 'z') || (text[j] >= 'G' && text[j] <= 'Z'));
    const std::size_t n = (j - i) & ~std::size_t{1};
    if (n >= kMinHexDigits && letter && word_end) {
      std::string decoded;
      decoded.reserve(n / 2);
      for (std::size_t k = i; k + 1 < i + n; k += 2) {
        decoded.push_back(static_cast<char>(hex_value(text[k]) * 16 + hex_value(text[k + 1])));
      }
      if (!out.offer(PayloadEncoding::kHex, i, j, std::move(decoded))) return;
    }
    i = j;
  }
}

// Decodes one %XX or HTML reference at text[i]; 0 when there is none.
std::size_t url_escape_at(std::string_view text, std::size_t i, std::string& out) {
  if (text[i] == '%' && i + 2 < text.size() && is_hex(text[i + 1]) && is_hex(text[i + 2])) {
    out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
    return 3;
  }
  return 0;
}

std::size_t html_reference_at(std::string_view text, std::size_t i, std::string& out) {
  if (text[i] != '&') return 0;
  const std::size_t semi = text.find(';', i + 1);
  if (semi == std::string_view::npos || semi - i > 10 || semi - i < 3) return 0;
  const std::string_view name = text.substr(i + 1, semi - i - 1);
  if (name[0] == '#') {
    std::uint32_t c = 0;
    const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
    const std::size_t from = hex ? 2 : 1;
    if (name.size() <= from) return 0;
    for (std::size_t k = from; k < name.size(); ++k) {
      const int v = hex ? hex_value(name[k]) : (name[k] >= '0' && name[k] <= '9' ? name[k] - '0' : -1);
      if (v < 0) return 0;
      c = c * (hex ? 16 : 10) + static_cast<std::uint32_t>(v);
      if (c > 0x10FFFF) return 0;
    }
    push_utf8(c, out);
    return semi - i + 1;
  }
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"lt", '<'},     {"gt", '>'},   {"amp", '&'},  {"quot", '"'}, {"apos", '\''}, {"nbsp", ' '},  {"sol", '/'},
      {"verbar", '|'}, {"vert", '|'}, {"lsqb", '['}, {"rsqb", ']'}, {"num", '#'},   {"colon", ':'}, {"lowbar", '_'}};
  for (const auto& [n, c] : kNamed) {
    if (name == n) {
      out.push_back(c);
      return semi - i + 1;
    }
  }
  return 0;
}

// Whitespace-separated tokens holding escapes, grouped while consecutive
// tokens all hold some, decoded as one run. Every token is read at most
// twice.
template <typename Escape>
std::size_t read_token(std::string_view text, std::size_t i, Escape escape, std::string& decoded,
                       std::size_t& escapes) {
  while (i < text.size() && !is_space(text[i])) {
    const std::size_t n = escape(text, i, decoded);
    if (n > 0) {
      ++escapes;
      i += n;
    } else {
      decoded.push_back(text[i++]);
    }
  }
  return i;
}

template <typename Escape>
void find_escaped_runs(std::string_view text, PayloadEncoding encoding, std::size_t min_escapes, Escape escape,
                       Collector& out) {
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    if (i >= text.size()) break;
    std::string decoded;
    std::size_t escapes = 0;
    const std::size_t run_start = i;
    std::size_t run_end = read_token(text, i, escape, decoded, escapes);
    if (escapes == 0) {
      i = run_end;
      continue;
    }
    for (;;) {
      std::size_t m = run_end;
      while (m < text.size() && is_space(text[m])) ++m;
      if (m >= text.size()) break;
      std::string token;
      std::size_t token_escapes = 0;
      const std::size_t token_end = read_token(text, m, escape, token, token_escapes);
      if (token_escapes == 0) break;
      decoded.push_back(' ');
      decoded += token;
      escapes += token_escapes;
      run_end = token_end;
    }
    if (escapes >= min_escapes && !out.offer(encoding, run_start, run_end, std::move(decoded))) return;
    i = run_end;
  }
}

}  // namespace

std::string_view payload_encoding_name(PayloadEncoding encoding) {
  switch (encoding) {
    case PayloadEncoding::kBase64:
      return "base64";
    case PayloadEncoding::kHex:
      return "hex";
    case PayloadEncoding::kUrl:
      return "url";
    case PayloadEncoding::kHtml:
      return "html";
  }
  return "unknown";
}

bool looks_like_text(std::string_view bytes) {
  std::size_t code_points = 0, printable = 0, letters = 0;
  for (std::size_t i = 0; i < bytes.size();) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    std::size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > bytes.size()) return false;
    std::uint32_t c = n == 1 ? b : b & (0x7F >> n);
    for (std::size_t k = 1; k < n; ++k) {
      const auto cb = static_cast<unsigned char>(bytes[i + k]);
      if ((cb & 0xC0) != 0x80) return false;
      c = (c << 6) | (cb & 0x3F);
    }
    if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000)) return false;
    ++code_points;
    if (c == '\n' || c == '\r' || c == '\t' || (c >= 0x20 && c != 0x7F && !(c >= 0x80 && c < 0xA0))) ++printable;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0xC0) ++letters;
    i += n;
  }
  return code_points > 0 && printable * 100 >= code_points * 85 && letters >= 4;
}

std::string rot13(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>('a' + (c - 'a' + 13) % 26);
    } else if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>('A' + (c - 'A' + 13) % 26);
    }
  }
  return out;
}

PayloadSearch find_payloads(std::string_view text, std::size_t max_decoded_bytes) {
  PayloadSearch result;
  Collector out(max_decoded_bytes, result);
  find_base64(text, out);
  find_hex(text, out);
  find_escaped_runs(text, PayloadEncoding::kUrl, 2, url_escape_at, out);
  find_escaped_runs(text, PayloadEncoding::kHtml, 2, html_reference_at, out);
  return result;
}

}  // namespace servir::guard
