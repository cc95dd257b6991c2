// GgufValue: one metadata value of a GGUF file (owner; copyable).
//
// The variant's alternative index equals the GGUF value-type number on disk
// (uint8 = 0 ... float64 = 12), so reading and writing need no mapping table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace servir {

enum class GgufValueType : std::uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};

std::string_view gguf_value_type_name(GgufValueType type);

class GgufValue;

// A homogeneous array; its elements may themselves be arrays (nested).
struct GgufArray {
  GgufValueType element_type = GgufValueType::kUint8;
  std::vector<GgufValue> values;
};

class GgufValue {
 public:
  using Storage = std::variant<std::uint8_t, std::int8_t, std::uint16_t, std::int16_t, std::uint32_t, std::int32_t,
                               float, bool, std::string, GgufArray, std::uint64_t, std::int64_t, double>;

  GgufValue() = default;
  template <typename T>
  GgufValue(T value) : storage_(std::move(value)) {}              // NOLINT(google-explicit-constructor)
  GgufValue(const char* value) : storage_(std::string(value)) {}  // NOLINT(google-explicit-constructor)

  // An array of `element_type` holding `values` (which must all be of that type).
  static GgufValue array(GgufValueType element_type, std::vector<GgufValue> values);
  static GgufValue string_array(const std::vector<std::string>& values);

  GgufValueType type() const { return static_cast<GgufValueType>(storage_.index()); }
  const Storage& storage() const { return storage_; }

  // Typed reads that accept any stored width that fits: as_uint() reads
  // uint8..uint64 and non-negative int8..int64; as_float() reads f32/f64.
  std::optional<std::uint64_t> as_uint() const;
  std::optional<std::int64_t> as_int() const;
  std::optional<double> as_float() const;
  std::optional<bool> as_bool() const;
  const std::string* as_string() const { return std::get_if<std::string>(&storage_); }
  const GgufArray* as_array() const { return std::get_if<GgufArray>(&storage_); }

  // Short human-readable rendering for `servir inspect` (arrays abbreviated).
  std::string to_display_string(std::size_t max_array_items = 8) const;

 private:
  Storage storage_;
};

}  // namespace servir
