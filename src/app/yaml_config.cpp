#include "app/yaml_config.h"

#include <algorithm>
#include <cctype>

#include <yaml-cpp/yaml.h>

namespace servir::app {
namespace {

// YAML 1.2 allows any node as a key; a flag name is a plain string.
std::string key_name(const YAML::Node& key) {
  if (!key.IsScalar()) {
    throw CLI::ConfigError("config: keys must be flag names, found a " + std::string(key.IsMap() ? "map" : "list") +
                           " at line " + std::to_string(key.Mark().line + 1));
  }
  return key.Scalar();
}

std::string where(const YAML::Node& node) { return "line " + std::to_string(node.Mark().line + 1); }

}  // namespace

std::vector<CLI::ConfigItem> YamlConfig::from_config(std::istream& input) const {
  YAML::Node root;
  try {
    root = YAML::Load(input);
  } catch (const YAML::Exception& e) {
    throw CLI::ConfigError("config: not valid YAML: line " + std::to_string(e.mark.line + 1) + ", column " +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  // Items go to the invoked subcommand, and each must name one of its
  // flags: a misspelt key would otherwise be dropped without a word.
  const CLI::App* target = root_;
  std::vector<std::string> parents;
  if (const auto invoked = root_->get_subcommands(); !invoked.empty()) {
    target = invoked.front();
    parents = {target->get_name()};
  }
  std::vector<CLI::ConfigItem> items;
  if (root.IsNull()) return items;  // an empty file
  if (!root.IsMap()) throw CLI::ConfigError("config: the file must be a map of flag names to values");
  for (const auto& entry : root) {
    CLI::ConfigItem item;
    item.parents = parents;
    item.name = key_name(entry.first);
    const YAML::Node& value = entry.second;
    if (item.name.empty() || item.name.front() == '-') {
      throw CLI::ConfigError("config: '" + item.name + "' (" + where(entry.first) +
                             "): write flag names without the leading dashes");
    }
    const CLI::Option* opt = target->get_option_no_throw("--" + item.name);
    if (opt == nullptr || item.name == "help" || item.name == "config") {
      throw CLI::ConfigError("config: '" + item.name + "' (" + where(entry.first) + ") is not a flag of '" +
                             (target == root_ ? std::string("servir") : "servir " + target->get_name()) + "'");
    }
    if (value.IsScalar()) {
      item.inputs = {value.Scalar()};
    } else if (value.IsSequence()) {
      for (const auto& element : value) {
        if (!element.IsScalar()) {
          throw CLI::ConfigError("config: '" + item.name + "' (" + where(element) +
                                 "): a list may hold only plain values");
        }
        item.inputs.push_back(element.Scalar());
      }
      if (item.inputs.empty()) {
        throw CLI::ConfigError("config: '" + item.name + "' (" + where(value) + ") is an empty list");
      }
    } else if (value.IsNull()) {
      throw CLI::ConfigError("config: '" + item.name + "' (" + where(entry.first) + ") has no value");
    } else {
      throw CLI::ConfigError("config: '" + item.name + "' (" + where(value) +
                             "): nested maps are not flags; give a value or a list");
    }
    items.push_back(std::move(item));
  }
  return items;
}

std::string YamlConfig::to_config(const CLI::App* app, bool default_also, bool /*write_description*/,
                                  std::string /*prefix*/) const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->get_lnames().empty() || !opt->get_configurable()) continue;
    std::vector<std::string> values = opt->reduced_results();
    if (values.empty() && default_also && !opt->get_default_str().empty()) values = {opt->get_default_str()};
    if (values.empty()) continue;
    out << YAML::Key << opt->get_lnames().front() << YAML::Value;
    if (values.size() == 1) {
      out << values.front();
    } else {
      out << YAML::Flow << values;
    }
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string env_name_for(const std::string& long_name) {
  std::string env = "SERVIR_";
  for (char c : long_name) env += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env;
}

void add_config_option(CLI::App& root) {
  root.fallthrough();
  root.config_formatter(std::make_shared<YamlConfig>(&root));
  root.set_config("--config", "",
                  "YAML file of the subcommand's flags (long names without '--'); the command line "
                  "overrides it");
}

void add_env_names(CLI::App& cmd, const std::vector<std::string>& no_env) {
  for (CLI::Option* opt : cmd.get_options()) {
    if (opt->get_lnames().empty() || !opt->get_envname().empty()) continue;
    const std::string& name = opt->get_lnames().front();
    if (name == "help" || std::find(no_env.begin(), no_env.end(), name) != no_env.end()) continue;
    opt->envname(env_name_for(name));
  }
}

}  // namespace servir::app
