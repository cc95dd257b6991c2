// The chat template a model ships with, wherever it keeps it.
#pragma once

#include <filesystem>
#include <string>

#include "util/status.h"

namespace servir::app {

// GGUF metadata `tokenizer.chat_template` (or `tokenizer.chat_template.NAME`),
// or tokenizer_config.json in an HF folder (or that file itself). An empty
// name picks the default template.
Result<std::string> template_of_model(const std::filesystem::path& path, const std::string& name);

}  // namespace servir::app
