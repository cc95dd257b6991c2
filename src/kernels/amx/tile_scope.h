// The AMX tile configuration every kernel in amx/ uses: palette 1, eight
// tiles of 16 rows x 64 bytes. Tile registers are per thread, so a kernel
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
};

class TileScope {
 public:
  TileScope() {
    TileConfig cfg;
    for (int t = 0; t < 8; ++t) {
      cfg.colsb[t] = 64;
      cfg.rows[t] = 16;
    }
    _tile_loadconfig(&cfg);
  }
  ~TileScope() { _tile_release(); }
  TileScope(const TileScope&) = delete;
  TileScope& operator=(const TileScope&) = delete;
};

}  // namespace servir::kernels::amx
