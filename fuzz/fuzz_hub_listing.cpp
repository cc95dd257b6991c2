// Fuzzes what comes from the Hub or the user: the revision API's JSON
// listing and Hub references. Every accepted file name must be a safe
// relative path; every size within the bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/hub_ref.h"
#include "hub/repo_listing.h"
#include "util/check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto listing = servir::hub::parse_repo_revision(text); listing.ok()) {
    for (const auto& file : listing->files) {
      CHECK(servir::hub::is_safe_repo_path(file.path)) << file.path;
      CHECK(!file.size || *file.size <= servir::hub::kMaxFileBytes);
    }
  }
  if (auto ref = servir::hub::parse_hub_ref(text); ref.ok()) {
    CHECK(!ref->file || servir::hub::is_safe_repo_path(*ref->file));
    CHECK(servir::hub::is_safe_repo_path(ref->revision));
  }
  return 0;
}
