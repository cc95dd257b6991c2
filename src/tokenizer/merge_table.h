// MergeTable: BPE merge ranks keyed by the pair of token ids, in one flat
// open-addressing array (the lookup of every BPE step, so it avoids the node
// allocations and pointer chasing of std::unordered_map).
#pragma once

#include <cstdint>
#include <vector>

namespace servir {

class MergeTable {
 public:
  struct Entry {
    std::uint64_t key = kEmpty;  // left << 32 | right
    std::uint32_t rank = 0;
    std::int32_t merged = -1;
  };

  void reserve(std::size_t n_merges) {
    std::size_t capacity = 16;
    while (capacity < n_merges * 2) capacity <<= 1;
    slots_.assign(capacity, Entry{});
    mask_ = capacity - 1;
    size_ = 0;
  }

  // Keeps the first (best-ranked) entry for a pair.
  void insert(std::int32_t left, std::int32_t right, std::uint32_t rank, std::int32_t merged) {
    if (slots_.empty() || (size_ + 1) * 2 > slots_.size()) grow();
    const std::uint64_t key = make_key(left, right);
    for (std::size_t i = slot_of(key);; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return;
      if (slots_[i].key == kEmpty) {
        slots_[i] = Entry{key, rank, merged};
        ++size_;
        return;
      }
    }
  }

  const Entry* find(std::int32_t left, std::int32_t right) const {
    if (slots_.empty()) return nullptr;
    const std::uint64_t key = make_key(left, right);
    for (std::size_t i = slot_of(key);; i = (i + 1) & mask_) {
      if (slots_[i].key == key) return &slots_[i];
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }

  std::size_t size() const { return size_; }

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  static std::uint64_t make_key(std::int32_t left, std::int32_t right) {
    return (std::uint64_t{static_cast<std::uint32_t>(left)} << 32) | static_cast<std::uint32_t>(right);
  }
  std::size_t slot_of(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 20) & mask_;
  }
  void grow() {
    std::vector<Entry> old = std::move(slots_);
    reserve(old.empty() ? 8 : old.size());
    for (const Entry& e : old) {
      if (e.key != kEmpty) {
        insert(static_cast<std::int32_t>(e.key >> 32), static_cast<std::int32_t>(e.key & 0xFFFFFFFF), e.rank, e.merged);
      }
    }
  }

  std::vector<Entry> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace servir
