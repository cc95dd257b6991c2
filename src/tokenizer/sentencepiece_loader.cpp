// TokenizerSpec from a SentencePiece model file (tokenizer.model), read with a
// small protobuf wire-format reader. The parts of sentencepiece_model.proto
// used here (field numbers):
//   ModelProto      1: repeated SentencePiece pieces, 2: TrainerSpec, 3: NormalizerSpec
//   SentencePiece   1: string piece, 2: float score, 3: Type (1 normal, 2 unknown,
//                   3 control, 4 user-defined, 5 unused, 6 byte)
//   TrainerSpec     3: model_type (1 unigram, 2 bpe, 3 word, 4 char),
//                   35: byte_fallback, 40: unk_id, 41: bos_id, 42: eos_id, 43: pad_id
//   NormalizerSpec  1: name, 3: add_dummy_prefix, 4: remove_extra_whitespaces
// Only BPE models with the identity normalizer are supported (Llama-2,
// Mistral, Phi-3 style); others are refused with kUnsupported.
#include <cstring>

#include "tokenizer/tokenizer_loader.h"

namespace servir {
namespace {

// One message's fields, read in order. Every length is checked against the
// bytes left, so a hostile file cannot read out of bounds.
class WireReader {
 public:
  explicit WireReader(std::span<const std::byte> bytes) : bytes_(bytes) {}

  struct Field {
    std::uint32_t number = 0;
    std::uint32_t wire_type = 0;
    std::uint64_t varint = 0;          // wire types 0, 1, 5
    std::span<const std::byte> bytes;  // wire type 2
  };

  // False at the end; sets `error` on malformed input.
  bool next(Field& field, Status& error) {
    if (pos_ >= bytes_.size()) return false;
    std::uint64_t key = 0;
    if (!varint(key)) return fail(error, "truncated field key");
    field.number = static_cast<std::uint32_t>(key >> 3);
    field.wire_type = static_cast<std::uint32_t>(key & 7);
    switch (field.wire_type) {
      case 0:
        if (!varint(field.varint)) return fail(error, "truncated varint");
        return true;
      case 1:
      case 5: {
        const std::size_t n = field.wire_type == 1 ? 8 : 4;
        if (bytes_.size() - pos_ < n) return fail(error, "truncated fixed-width field");
        field.varint = 0;
        std::memcpy(&field.varint, bytes_.data() + pos_, n);  // little-endian hosts only (x86, arm64)
        pos_ += n;
        return true;
      }
      case 2: {
        std::uint64_t length = 0;
        if (!varint(length)) return fail(error, "truncated length");
        if (length > bytes_.size() - pos_) return fail(error, "length past the end of the message");
        field.bytes = bytes_.subspan(pos_, static_cast<std::size_t>(length));
        pos_ += static_cast<std::size_t>(length);
        return true;
      }
      default:
        return fail(error, "unsupported wire type");
    }
  }

 private:
  bool varint(std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) return false;
      const auto b = static_cast<std::uint8_t>(bytes_[pos_++]);
      value |= std::uint64_t{b & 0x7Fu} << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool fail(Status& error, const char* message) {
    error = make_error(ErrorCode::kCorruptData, "protobuf at byte {}: {}", pos_, message);
    return false;
  }

  std::span<const std::byte> bytes_;
  std::size_t pos_ = 0;
};

std::string as_string(std::span<const std::byte> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

float as_float(std::uint64_t bits) {
  const auto b32 = static_cast<std::uint32_t>(bits);
  float f = 0;
  std::memcpy(&f, &b32, sizeof f);
  return f;
}

}  // namespace

Result<TokenizerSpec> tokenizer_spec_from_sentencepiece(std::span<const std::byte> model, std::string name) {
  TokenizerSpec spec;
  spec.name = name;
  std::int64_t model_type = 1;  // proto default: unigram
  bool byte_fallback = false;
  std::int64_t unk = 0, bos = 1, eos = 2, pad = -1;
  std::string normalizer_name = "nmt_nfkc";
  bool add_dummy_prefix = true;
  bool remove_extra_whitespaces = true;
  Status error;

  WireReader top(model);
  WireReader::Field field;
  while (top.next(field, error)) {
    if (field.number == 1 && field.wire_type == 2) {
      WireReader piece(field.bytes);
      WireReader::Field f;
      std::string text;
      float score = 0;
      std::uint64_t type = 1;
      while (piece.next(f, error)) {
        if (f.number == 1 && f.wire_type == 2) text = as_string(f.bytes);
        if (f.number == 2 && f.wire_type == 5) score = as_float(f.varint);
        if (f.number == 3 && f.wire_type == 0) type = f.varint;
      }
      if (!error.ok()) break;
      spec.tokens.push_back(std::move(text));
      spec.scores.push_back(score);
      spec.attrs.push_back(token_attr_from_sentencepiece_type(static_cast<std::int64_t>(type)));
    } else if (field.number == 2 && field.wire_type == 2) {
      WireReader trainer(field.bytes);
      WireReader::Field f;
      while (trainer.next(f, error)) {
        if (f.wire_type != 0) continue;
        const auto v = static_cast<std::int64_t>(static_cast<std::int32_t>(f.varint));
        if (f.number == 3) model_type = v;
        if (f.number == 35) byte_fallback = f.varint != 0;
        if (f.number == 40) unk = v;
        if (f.number == 41) bos = v;
        if (f.number == 42) eos = v;
        if (f.number == 43) pad = v;
      }
      if (!error.ok()) break;
    } else if (field.number == 3 && field.wire_type == 2) {
      WireReader normalizer(field.bytes);
      WireReader::Field f;
      while (normalizer.next(f, error)) {
        if (f.number == 1 && f.wire_type == 2) normalizer_name = as_string(f.bytes);
        if (f.number == 3 && f.wire_type == 0) add_dummy_prefix = f.varint != 0;
        if (f.number == 4 && f.wire_type == 0) remove_extra_whitespaces = f.varint != 0;
      }
      if (!error.ok()) break;
    }
  }
  if (!error.ok()) return error.with_prefix(name);
  if (spec.tokens.empty())
    return make_error(ErrorCode::kCorruptData, "{}: no pieces (not a SentencePiece model?)", name);
  if (model_type != 2) {
    return make_error(ErrorCode::kUnsupported, "{}: SentencePiece model type {} (only BPE = 2)", name, model_type);
  }
  if (normalizer_name != "identity" || remove_extra_whitespaces) {
    return make_error(ErrorCode::kUnsupported, "{}: SentencePiece normalizer '{}'{} (only identity)", name,
                      normalizer_name, remove_extra_whitespaces ? " with remove_extra_whitespaces" : "");
  }

  const auto n = static_cast<std::int64_t>(spec.tokens.size());
  auto id_or_none = [&](std::int64_t id) { return id >= 0 && id < n ? static_cast<TokenId>(id) : kNoToken; };
  spec.model = SubwordModel::kSpmScores;
  spec.byte_fallback = byte_fallback;
  spec.unk_id = id_or_none(unk);
  spec.bos_id = id_or_none(bos);
  spec.eos_id = id_or_none(eos);
  spec.pad_id = id_or_none(pad);
  spec.add_bos = spec.bos_id != kNoToken;
  use_sentencepiece_text_rules(spec, add_dummy_prefix);
  for (std::size_t i = 0; i < spec.tokens.size(); ++i) {
    const TokenAttr attr = spec.attrs[i];
    if (attr != TokenAttr::kControl && attr != TokenAttr::kUserDefined && attr != TokenAttr::kUnknown) continue;
    spec.added_tokens.push_back({static_cast<TokenId>(i), spec.tokens[i], attr != TokenAttr::kUserDefined});
  }
  return spec;
}

}  // namespace servir
