// Fuzzes the YAML reader of `--config` (app/yaml_config.h) over a small app
// with the kinds of flags servir has (a value, a number, a repeatable list,
// a flag): a bad file is a CLI::ConfigError, never a crash, a hang or a
// sanitizer report; a good one is applied like the command line would be.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "app/yaml_config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  CLI::App app{"fuzz"};
  std::string model;
  int port = 0;
  std::vector<std::string> keys;
  bool flag = false;
  app.add_option("--model", model);
  app.add_option("--port", port);
  app.add_option("--api-key", keys);
  app.add_flag("--no-prefix-cache", flag);
  const servir::app::YamlConfig config(&app);
  std::istringstream input(std::string(reinterpret_cast<const char*>(data), size));
  std::size_t checksum = 0;
  try {
    for (const CLI::ConfigItem& item : config.from_config(input)) {
      checksum += item.name.size() + item.inputs.size() + item.parents.size();
    }
  } catch (const CLI::ConfigError&) {
    return 0;
  }
  return checksum == 0xdeadbeef ? 1 : 0;
}
