// A served model for protocol tests, built in code so the tests need no
// reference data: a byte-level vocabulary with no merges (one token per
// byte, so token counts are byte counts), BOS and ChatML control tokens,
// and a ChatML template.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "server/served_model.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/chat_template/chat_template.h"
#include "tokenizer/text_pipeline.h"
#include "tokenizer/tokenizer.h"

namespace servir::server::testing {

inline constexpr TokenId kBos = 256;
inline constexpr TokenId kImStart = 257;
inline constexpr TokenId kImEnd = 258;
inline constexpr int kVocab = 259;

inline constexpr const char* kChatMl =
    "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

inline Tokenizer make_test_tokenizer() {
  TokenizerSpec spec;
  spec.name = "test-bytes";
  spec.byte_level = true;
  for (int b = 0; b < 256; ++b) spec.tokens.push_back(byte_level_encode(std::string(1, static_cast<char>(b))));
  spec.tokens.push_back("<|bos|>");
  spec.tokens.push_back("<|im_start|>");
  spec.tokens.push_back("<|im_end|>");
  spec.added_tokens = {{kBos, "<|bos|>", true}, {kImStart, "<|im_start|>", true}, {kImEnd, "<|im_end|>", true}};
  auto preset = pre_tokenizer_preset("gpt2");
  EXPECT_TRUE(preset.ok());
  spec.pre_tokenizer = std::move(preset->steps);
  spec.bos_id = kBos;
  spec.eos_id = kImEnd;
  spec.add_bos = true;
  auto tok = Tokenizer::create(std::move(spec));
  EXPECT_TRUE(tok.ok()) << tok.status().to_string();
  return std::move(tok).value();
}

// Owns what ServedModel points to.
struct TestModel {
  Tokenizer tokenizer = make_test_tokenizer();
  std::unique_ptr<ChatTemplate> chat_template;
  ServedModel served;

  explicit TestModel(const char* template_source = kChatMl) {
    if (template_source != nullptr) {
      auto parsed = ChatTemplate::parse(template_source);
      EXPECT_TRUE(parsed.ok()) << parsed.status().to_string();
      chat_template = std::make_unique<ChatTemplate>(std::move(parsed).value());
    }
    served.names = {"test-model", "alias"};
    served.tokenizer = &tokenizer;
    served.chat_template = chat_template.get();
    served.limits.max_model_len = 256;
    served.created_unix_s = 1700000000;
  }
  TestModel(const TestModel&) = delete;
  TestModel& operator=(const TestModel&) = delete;
};

}  // namespace servir::server::testing
