// The AMX tile configuration of the kernels in amx/: palette 1, by default
// eight tiles of 16 rows x 64 bytes. Tile registers are per thread, so a kernel
// loads the configuration on entry and releases the tiles when it is done,
// so an idle thread carries no 8 KiB tile state through context switches.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace servir::kernels::amx {

// The LDTILECFG operand.
struct alignas(64) TileConfig {
  std::uint8_t palette = 1;
  std::uint8_t start_row = 0;
  std::uint8_t reserved[14] = {};
  std::uint16_t colsb[16] = {};
  std::uint8_t rows[16] = {};

  void shape(int tile, int n_rows, int bytes_per_row) {
    rows[tile] = static_cast<std::uint8_t>(n_rows);
    colsb[tile] = static_cast<std::uint16_t>(bytes_per_row);
  }
};

class TileScope {
 public:
  TileScope() {
    TileConfig cfg;
    for (int t = 0; t < 8; ++t) cfg.shape(t, 16, 64);
    _tile_loadconfig(&cfg);
  }
  explicit TileScope(const TileConfig& cfg) { _tile_loadconfig(&cfg); }
  ~TileScope() { _tile_release(); }
  TileScope(const TileScope&) = delete;
  TileScope& operator=(const TileScope&) = delete;
};

}  // namespace servir::kernels::amx
