#include "app/hub_model.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <fmt/format.h>

#include "app/commands.h"
#include "app/pull_progress.h"
#include "hub/hub_cache.h"
#include "hub/model_source.h"

namespace servir::app {

int hub_exit_code(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kIntegrity:
      return kExitIntegrity;
    case ErrorCode::kUnauthenticated:
      return kExitAuth;
    case ErrorCode::kNotFound:
      return kExitNotFound;
    case ErrorCode::kUnavailable:
      return kExitNetwork;
    default:
      return 1;
  }
}

std::string resolve_model_argument(const std::string& model) {
  if (!hub::is_hub_ref(model)) return model;
  auto ref = hub::parse_hub_ref(model);
  if (!ref) fail(ref.status().message());
  PullProgress progress(::isatty(STDERR_FILENO) == 1);
  hub::ModelSourceOptions options{
      .hub = hub::hub_options_from_env(), .hub_dir = hub::default_hub_cache_dir(), .jobs = 4, .observer = &progress};
  auto resolved = hub::resolve_hub_model(*ref, options);
  if (!resolved) fail(fmt::format("{}: {}", model, resolved.status().message()), hub_exit_code(resolved.status()));
  if (resolved->pulled) fmt::print(stderr, "servir: pulled {} into {}\n", model, resolved->path.string());
  return resolved->path.string();
}

std::vector<std::string> hub_model_names(const std::string& ref_text) {
  std::vector<std::string> names{ref_text};
  auto ref = hub::parse_hub_ref(ref_text);
  if (!ref) return names;
  const std::string short_name =
      ref->file ? std::filesystem::path(*ref->file).stem().string() : ref->repo_id.substr(ref->repo_id.find('/') + 1);
  if (!short_name.empty() && short_name != ref_text) names.push_back(short_name);
  return names;
}

}  // namespace servir::app
