#include "server/served_model.h"

#include <algorithm>

namespace servir::server {

bool ServedModel::serves(std::string_view name) const {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace servir::server
