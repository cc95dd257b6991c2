// `servir tokenize` and `servir detokenize`: the tokenizer from the command
// line. PATH may be a GGUF file (vocab-only is enough), a tokenizer.json or a
// Hugging Face model folder.
//
//   servir tokenize --model PATH [--ids] [--no-bos] [--special] (TEXT | --file F)
//     --ids: the ids on one line, space-separated; otherwise one
//     "id<TAB>piece" line per token, the piece's control characters and
//     invalid UTF-8 escaped (\n, \t, \xNN) so each token stays on its line.
//   servir detokenize --model PATH [--skip-special] ID...
//     writes the decoded text exactly, with no added newline.
// Errors go to stderr with exit status 1 (2 for usage errors, as CLI11 does).
#pragma once

#include <CLI/CLI.hpp>

namespace servir::app {

void register_tokenize_commands(CLI::App& app);

}  // namespace servir::app
