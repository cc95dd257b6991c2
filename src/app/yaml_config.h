// Configuration beyond the command line, for deployments (Kubernetes
// ConfigMaps, systemd units, docker run -e): a subcommand's flags also come
// from a YAML file (`servir SUBCOMMAND --config FILE`) and, for `serve`,
// from SERVIR_* environment variables, under the same names. Precedence, as
// CLI11 applies it: the command line, then the file, then the environment.
//
// The file is a map from long flag names (without "--") to a scalar or a
// list of scalars (repeatable flags):
//   model: /models/qwen2.5-0.5b-instruct-q8_0.gguf
//   port: 8000
//   api-key: [key-one, key-two]
//   no-prefix-cache: true
// Unknown names, nested maps and malformed YAML are errors that name the
// key or the line.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace servir::app {

// The reader for the top-level app's --config: CLI11 reads config files
// for the top-level app only, so the items are addressed to the subcommand
// the command line invoked.
class YamlConfig : public CLI::Config {
 public:
  explicit YamlConfig(const CLI::App* root) : root_(root) {}

  // The options of `app` that were given, as a YAML map (for --help-style
  // dumps and tests).
  std::string to_config(const CLI::App* app, bool default_also, bool write_description,
                        std::string prefix) const override;
  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override;

 private:
  const CLI::App* root_;
};

// The environment variable for a long flag name: SERVIR_ + upper case,
// '-' -> '_' ("max-num-seqs" -> "SERVIR_MAX_NUM_SEQS").
std::string env_name_for(const std::string& long_name);

// Adds --config FILE (YAML, above) to the top-level app; subcommands reach
// it through fallthrough (set here too, before they are added).
void add_config_option(CLI::App& root);

// Gives every long option of `cmd` without an environment variable of its
// own its SERVIR_* name, except those in `no_env` (flags whose variable
// means something else, e.g. --api-key and SERVIR_API_KEY, which adds a key
// rather than replacing the list).
void add_env_names(CLI::App& cmd, const std::vector<std::string>& no_env);

}  // namespace servir::app
