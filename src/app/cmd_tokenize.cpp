#include "app/cmd_tokenize.h"

#include "app/commands.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tokenizer/tokenizer_loader.h"
#include "tokenizer/unicode.h"

namespace servir::app {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string text;
  std::string file;
  bool ids_only = false;
  bool no_bos = false;
  bool special = false;
};

struct DetokenizeOptions {
  std::string model;
  std::vector<std::string> ids;
  bool skip_special = false;
};

Tokenizer load_or_fail(const std::string& path) {
  Result<Tokenizer> tok = load_tokenizer(path);
  if (!tok.ok()) fail(tok.status().to_string());
  return std::move(tok).value();
}

// One printable line: control characters and invalid UTF-8 escaped.
std::string escape_piece(std::string_view bytes) {
  std::string out;
  for (std::size_t pos = 0; pos < bytes.size();) {
    std::size_t length = 1;
    const std::uint32_t cp = utf8_decode(bytes, pos, length);
    if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\\') {
      out += "\\\\";
    } else if (cp == kInvalidCodePoint || cp < 0x20 || cp == 0x7F) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned char>(bytes[pos]));
    } else {
      out.append(bytes.substr(pos, length));
    }
    pos += length;
  }
  return out;
}

void run_tokenize(const TokenizeOptions& options) {
  std::string text = options.text;
  if (!options.file.empty()) {
    std::ifstream in(options.file, std::ios::binary);
    if (!in) fail(fmt::format("{}: cannot open", options.file));
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  const Tokenizer tok = load_or_fail(options.model);
  EncodeOptions encode;
  encode.parse_special = options.special;
  if (options.no_bos) encode.add_bos = false;
  const std::vector<TokenId> ids = tok.encode(text, encode);
  std::string out;
  if (options.ids_only) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) out += ' ';
      out += std::to_string(ids[i]);
    }
    out += '\n';
  } else {
    for (const TokenId id : ids) out += fmt::format("{}\t{}\n", id, escape_piece(tok.token_bytes(id)));
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
}

void run_detokenize(const DetokenizeOptions& options) {
  const Tokenizer tok = load_or_fail(options.model);
  std::vector<TokenId> ids;
  for (const std::string& arg : options.ids) {
    // Accept "1 2 3" in one argument too, as `tokenize --ids` prints it.
    std::istringstream in(arg);
    std::string word;
    while (in >> word) {
      long long value = 0;
      std::size_t used = 0;
      try {
        value = std::stoll(word, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != word.size()) fail(fmt::format("'{}' is not a token id", word));
      if (value < 0 || value >= static_cast<long long>(tok.n_tokens())) {
        fail(fmt::format("token id {} out of range (vocabulary of {})", value, tok.n_tokens()));
      }
      ids.push_back(static_cast<TokenId>(value));
    }
  }
  const std::string text = tok.decode(ids, {.skip_special_tokens = options.skip_special});
  std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace

void register_tokenize_commands(CLI::App& app) {
  auto tokenize = std::make_shared<TokenizeOptions>();
  CLI::App* t = app.add_subcommand("tokenize", "Print the token ids of a text");
  t->add_option("--model,-m", tokenize->model, "GGUF file, tokenizer.json or Hugging Face folder")->required();
  t->add_flag("--ids", tokenize->ids_only, "Print only the ids, space-separated");
  t->add_flag("--no-bos", tokenize->no_bos, "Do not add the BOS token");
  t->add_flag("--special", tokenize->special, "Recognize special tokens (<|im_start|>, <s>, ...) in the text");
  CLI::Option* file = t->add_option("--file,-f", tokenize->file, "Read the text from this file");
  CLI::Option* text = t->add_option("text", tokenize->text, "The text to tokenize");
  file->excludes(text);
  t->callback([tokenize, t] {
    if (t->count("text") == 0 && t->count("--file") == 0) throw CLI::RequiredError("TEXT or --file");
    run_tokenize(*tokenize);
  });

  auto detokenize = std::make_shared<DetokenizeOptions>();
  CLI::App* d = app.add_subcommand("detokenize", "Print the text of token ids");
  d->add_option("--model,-m", detokenize->model, "GGUF file, tokenizer.json or Hugging Face folder")->required();
  d->add_flag("--skip-special", detokenize->skip_special, "Leave out special tokens");
  d->add_option("ids", detokenize->ids, "Token ids")->required();
  d->callback([detokenize] { run_detokenize(*detokenize); });
}

}  // namespace servir::app
