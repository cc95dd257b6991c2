#include "guard/policy.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace servir::guard {
namespace {

constexpr std::array<std::string_view, 4> kActionNames = {"off", "flag", "redact", "block"};

// Policy files are small; a bigger one is a mistake or an attack on the parser.
constexpr std::size_t kMaxPolicyFileBytes = std::size_t{1} << 20;
constexpr int kMaxExtendsDepth = 8;

// Thrown inside the parser, turned into a Status at the top; carries the
// path of the node that is wrong.
struct PolicyError {
  std::string message;
};

[[noreturn]] void fail(const std::string& path, const YAML::Node& node, std::string_view what) {
  const auto mark = node.Mark();
  throw PolicyError{mark.is_null() ? fmt::format("{}: {}", path, what)
                                   : fmt::format("{} (line {}): {}", path, mark.line + 1, what)};
}

std::string scalar(const YAML::Node& node, const std::string& path) {
  if (!node.IsScalar()) fail(path, node, "must be a single value");
  return node.Scalar();
}

double number(const YAML::Node& node, const std::string& path, double lo, double hi) {
  const std::string text = scalar(node, path);
  double value = 0;
  std::istringstream in(text);
  in >> value;
  if (in.fail() || !in.eof()) fail(path, node, fmt::format("'{}' is not a number", text));
  if (value < lo || value > hi) fail(path, node, fmt::format("{} is outside [{}, {}]", value, lo, hi));
  return value;
}

GuardAction action(const YAML::Node& node, const std::string& path) {
  const std::string text = scalar(node, path);
  GuardAction a = GuardAction::kOff;
  if (!parse_action(text, a)) fail(path, node, fmt::format("'{}' is not an action (off, flag, redact, block)", text));
  return a;
}

std::vector<std::string> string_list(const YAML::Node& node, const std::string& path) {
  if (!node.IsSequence()) fail(path, node, "must be a list");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < node.size(); ++i) out.push_back(scalar(node[i], fmt::format("{}[{}]", path, i)));
  return out;
}

void check_map(const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) fail(path, node, "must be a mapping");
}

void parse_scanner_rule(const YAML::Node& node, const std::string& path, ScannerKind kind, ScannerRule& rule) {
  if (node.IsScalar()) {  // shorthand: "pii: redact"
    rule.action = action(node, path);
    return;
  }
  check_map(node, path);
  for (const auto& item : node) {
    const std::string key = scalar(item.first, path);
    const std::string sub = path + "." + key;
    if (key == "action") {
      rule.action = action(item.second, sub);
    } else if (key == "threshold") {
      rule.threshold = number(item.second, sub, 0.0, 1.0);
    } else if (key == "types") {
      check_map(item.second, sub);
      for (const auto& t : item.second) {
        const std::string type = scalar(t.first, sub);
        rule.type_actions[type] = action(t.second, sub + "." + type);
      }
    } else if (key == "allow") {
      rule.allow = string_list(item.second, sub);
    } else if (key == "categories" && kind == ScannerKind::kModeration) {
      rule.categories = string_list(item.second, sub);
      for (std::size_t i = 0; i < rule.categories.size(); ++i) {
        const std::string& c = rule.categories[i];
        const bool code = c.size() >= 2 && c.size() <= 3 && c[0] == 'S' &&
                          std::all_of(c.begin() + 1, c.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        if (!code) fail(fmt::format("{}[{}]", sub, i), item.second[i], "categories are codes S1..S14");
      }
    } else {
      fail(sub, item.first,
           kind == ScannerKind::kModeration ? "unknown key (action, threshold, types, allow, categories)"
                                            : "unknown key (action, threshold, types, allow)");
    }
  }
}

void parse_direction(const YAML::Node& node, const std::string& path, Direction dir, DirectionPolicy& policy) {
  check_map(node, path);
  for (const auto& item : node) {
    const std::string key = scalar(item.first, path);
    const std::string sub = path + "." + key;
    ScannerKind kind{};
    if (key == "restore") {
      if (dir != Direction::kInput) fail(sub, item.first, "restore applies to the input direction");
      const std::string v = scalar(item.second, sub);
      if (v != "true" && v != "false") fail(sub, item.second, "must be true or false");
      policy.restore = v == "true";
    } else if (parse_scanner_name(key, kind)) {
      if (kind == ScannerKind::kInjection && dir == Direction::kOutput) {
        fail(sub, item.first, "the injection scanner reads input only");
      }
      if (kind == ScannerKind::kModeration && dir == Direction::kOutput) {
        fail(sub, item.first, "the moderation scanner reads input only (answers are not sent to it yet)");
      }
      policy.rule(kind) = ScannerRule{};
      parse_scanner_rule(item.second, sub, kind, policy.rule(kind));
    } else {
      fail(sub, item.first, "unknown key (injection, pii, secrets, moderation, restore)");
    }
  }
}

bool valid_key_id(std::string_view id) {
  return id.size() == 8 &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

struct PolicyNode {
  std::string name;
  YAML::Node node;
};

// Builds policy `index` (its `extends` chain first).
void build_policy(const std::vector<PolicyNode>& nodes, std::size_t index, std::vector<GuardPolicy>& out,
                  std::vector<int>& state, int depth, std::unordered_map<std::string, std::size_t>& key_policy) {
  if (state[index] == 2) return;
  const std::string path = "policies." + nodes[index].name;
  if (state[index] == 1 || depth > kMaxExtendsDepth) fail(path, nodes[index].node, "'extends' forms a cycle");
  state[index] = 1;
  const YAML::Node& node = nodes[index].node;
  GuardPolicy policy;
  if (node.IsMap() && node["extends"]) {
    const std::string base = scalar(node["extends"], path + ".extends");
    auto it = std::find_if(nodes.begin(), nodes.end(), [&](const PolicyNode& n) { return n.name == base; });
    if (it == nodes.end()) fail(path + ".extends", node["extends"], fmt::format("no policy named '{}'", base));
    const auto base_index = static_cast<std::size_t>(it - nodes.begin());
    build_policy(nodes, base_index, out, state, depth + 1, key_policy);
    policy = out[base_index];
  }
  policy.name = nodes[index].name;
  if (!node.IsNull()) check_map(node, path);
  for (const auto& item : node) {
    const std::string key = scalar(item.first, path);
    const std::string sub = path + "." + key;
    if (key == "extends") continue;
    if (key == "input") {
      parse_direction(item.second, sub, Direction::kInput, policy.input);
    } else if (key == "output") {
      parse_direction(item.second, sub, Direction::kOutput, policy.output);
    } else if (key == "keys") {
      const auto ids = string_list(item.second, sub);
      for (std::size_t i = 0; i < ids.size(); ++i) {
        const std::string id_path = fmt::format("{}[{}]", sub, i);
        if (!valid_key_id(ids[i])) {
          fail(id_path, item.second[i],
               "a key id is the first 8 lowercase hex digits of SHA-256(key), never the key itself");
        }
        if (!key_policy.emplace(ids[i], index).second) fail(id_path, item.second[i], "key id listed twice");
      }
    } else {
      fail(sub, item.first, "unknown key (extends, keys, input, output)");
    }
  }
  out[index] = std::move(policy);
  state[index] = 2;
}

}  // namespace

std::string_view action_name(GuardAction action) { return kActionNames[static_cast<std::size_t>(action)]; }

bool parse_action(std::string_view name, GuardAction& action) {
  for (std::size_t i = 0; i < kActionNames.size(); ++i) {
    if (kActionNames[i] == name) {
      action = static_cast<GuardAction>(i);
      return true;
    }
  }
  return false;
}

std::string_view direction_name(Direction direction) { return direction == Direction::kInput ? "input" : "output"; }

GuardAction ScannerRule::action_for(const Finding& finding, std::string_view matched_text) const {
  if (action == GuardAction::kOff) return GuardAction::kOff;
  if (finding.score < threshold && finding.type != "SCAN_INCOMPLETE") return GuardAction::kOff;
  // A category filter passes findings that name no category: an "unsafe"
  // verdict without codes, and a reply that could not be read.
  if (!categories.empty() && finding.scanner == ScannerKind::kModeration && finding.type != "UNSAFE" &&
      finding.type != "SCAN_INCOMPLETE" &&
      std::find(categories.begin(), categories.end(), finding.type) == categories.end()) {
    return GuardAction::kOff;
  }
  if (!allow.empty() && std::find(allow.begin(), allow.end(), matched_text) != allow.end()) return GuardAction::kOff;
  if (auto it = type_actions.find(finding.type); it != type_actions.end()) return it->second;
  return action;
}

GuardAction ScannerRule::max_action() const {
  if (action == GuardAction::kOff) return GuardAction::kOff;
  GuardAction most = action;
  for (const auto& [type, a] : type_actions) most = std::max(most, a);
  return most;
}

bool DirectionPolicy::active() const { return max_action() != GuardAction::kOff; }

GuardAction DirectionPolicy::max_action() const {
  GuardAction most = GuardAction::kOff;
  for (const auto& r : scanners) most = std::max(most, r.max_action());
  return most;
}

GuardConfig GuardConfig::flag_only() {
  GuardConfig config;
  GuardPolicy policy;
  policy.name = "default";
  for (ScannerKind kind : {ScannerKind::kInjection, ScannerKind::kPii, ScannerKind::kSecrets}) {
    policy.input.rule(kind).action = GuardAction::kFlag;
    if (kind != ScannerKind::kInjection) policy.output.rule(kind).action = GuardAction::kFlag;
  }
  config.policies_.push_back(std::move(policy));
  return config;
}

Result<GuardConfig> GuardConfig::parse(std::string_view yaml_text) {
  if (yaml_text.size() > kMaxPolicyFileBytes) {
    return make_error(ErrorCode::kInvalidArgument, "guard config: {} bytes, more than the {} a policy file may have",
                      yaml_text.size(), kMaxPolicyFileBytes);
  }
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root.IsMap()) fail("guard config", root, "the top level must be a mapping");
    GuardConfig config;
    std::vector<PolicyNode> nodes;
    std::string default_name;  // "": the policy named "default", else the first one
    for (const auto& item : root) {
      const std::string key = scalar(item.first, "guard config");
      if (key == "limits") {
        check_map(item.second, key);
        for (const auto& l : item.second) {
          const std::string lk = scalar(l.first, key);
          const std::string sub = key + "." + lk;
          if (lk == "max_scan_bytes") {
            config.limits_.max_scan_bytes = static_cast<std::size_t>(number(l.second, sub, 1, 1 << 30));
          } else if (lk == "scan_timeout_ms") {
            config.limits_.scan_timeout =
                std::chrono::milliseconds(static_cast<std::int64_t>(number(l.second, sub, 1, 60'000)));
          } else {
            fail(sub, l.first, "unknown key (max_scan_bytes, scan_timeout_ms)");
          }
        }
      } else if (key == "default_policy") {
        default_name = scalar(item.second, key);
      } else if (key == "policies") {
        check_map(item.second, key);
        for (const auto& p : item.second) {
          const std::string name = scalar(p.first, key);
          if (std::any_of(nodes.begin(), nodes.end(), [&](const PolicyNode& n) { return n.name == name; })) {
            fail(key + "." + name, p.first, "policy defined twice");
          }
          nodes.push_back({name, p.second});
        }
      } else {
        fail(key, item.first, "unknown key (limits, default_policy, policies)");
      }
    }
    if (nodes.empty()) fail("policies", root, "at least one policy is needed");
    config.policies_.resize(nodes.size());
    std::vector<int> state(nodes.size(), 0);
    for (std::size_t i = 0; i < nodes.size(); ++i)
      build_policy(nodes, i, config.policies_, state, 0, config.key_policy_);
    const bool named = !default_name.empty();
    if (!named) default_name = "default";
    auto it = std::find_if(config.policies_.begin(), config.policies_.end(),
                           [&](const GuardPolicy& p) { return p.name == default_name; });
    if (it == config.policies_.end() && !named) it = config.policies_.begin();
    if (it == config.policies_.end()) {
      fail("default_policy", root, fmt::format("no policy named '{}'", default_name));
    }
    config.default_index_ = static_cast<std::size_t>(it - config.policies_.begin());
    return config;
  } catch (const PolicyError& e) {
    return make_error(ErrorCode::kInvalidArgument, "guard config: {}", e.message);
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::kInvalidArgument, "guard config: not valid YAML: line {}, column {}: {}",
                      e.mark.line + 1, e.mark.column + 1, e.msg);
  }
}

Result<GuardConfig> GuardConfig::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIoError, "--guard-config {}: cannot be read", path);
  std::string text(kMaxPolicyFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  auto config = parse(text);
  if (!config.ok()) return Status(config.status().code(), path + ": " + config.status().message());
  return config;
}

const GuardPolicy& GuardConfig::policy_for_key(std::string_view key_id) const {
  if (!key_id.empty()) {
    if (auto it = key_policy_.find(std::string(key_id)); it != key_policy_.end()) return policies_[it->second];
  }
  return policies_[default_index_];
}

const GuardPolicy* GuardConfig::find_policy(std::string_view name) const {
  for (const auto& p : policies_) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

bool GuardConfig::uses_moderation() const {
  return std::any_of(policies_.begin(), policies_.end(), [](const GuardPolicy& p) {
    return p.input.rule(ScannerKind::kModeration).action != GuardAction::kOff ||
           p.output.rule(ScannerKind::kModeration).action != GuardAction::kOff;
  });
}

}  // namespace servir::guard
