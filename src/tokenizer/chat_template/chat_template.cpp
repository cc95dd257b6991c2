#include "tokenizer/chat_template/chat_template.h"

#include <fstream>
#include <new>
#include <sstream>

#include "tokenizer/chat_template/ast.h"
#include "tokenizer/chat_template/error.h"
#include "tokenizer/chat_template/interpreter.h"
#include "tokenizer/chat_template/parser.h"

namespace servir {

namespace jinja {
struct Program {
  Body body;
};
}  // namespace jinja

namespace {

// Deep enough for any real request; refuses JSON nested past the point
// where walking it would risk the stack.
constexpr int kMaxContextDepth = 128;

Status to_status(const jinja::TemplateError& e) {
  if (e.line() > 0) return Status(e.code(), fmt::format("chat template line {}: {}", e.line(), e.message()));
  return Status(e.code(), fmt::format("chat template: {}", e.message()));
}

template <typename Json>
jinja::Value to_value(const Json& j, int depth) {
  using jinja::Value;
  if (depth > kMaxContextDepth)
    throw jinja::TemplateError(ErrorCode::kInvalidArgument,
                               fmt::format("context nested deeper than {} levels", kMaxContextDepth));
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return Value::none();
    case nlohmann::json::value_t::boolean:
      return Value::boolean(j.template get<bool>());
    case nlohmann::json::value_t::number_integer:
      return Value::integer(j.template get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: {
      auto u = j.template get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return Value::floating(static_cast<double>(u));
      return Value::integer(static_cast<std::int64_t>(u));
    }
    case nlohmann::json::value_t::number_float:
      return Value::floating(j.template get<double>());
    case nlohmann::json::value_t::string:
      return Value::string(j.template get<std::string>());
    case nlohmann::json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& item : j) items.push_back(to_value(item, depth + 1));
      return Value::list(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      std::vector<std::pair<Value, Value>> entries;
      entries.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) {
        entries.emplace_back(Value::string(it.key()), to_value(it.value(), depth + 1));
      }
      return Value::dict(std::move(entries));
    }
    default:
      throw jinja::TemplateError(ErrorCode::kInvalidArgument, "binary values are not supported in the context");
  }
}

template <typename Json>
Result<std::string> render_json(const jinja::Program& program, const ChatTemplateLimits& limits, const Json& context,
                                const ChatTemplateClock& clock) {
  if (!context.is_object()) return make_error(ErrorCode::kInvalidArgument, "chat template context must be an object");
  try {
    jinja::Value variables = to_value(context, 0);
    jinja::Interpreter interpreter(limits, clock);
    return interpreter.render(program.body, variables);
  } catch (const jinja::TemplateError& e) {
    return to_status(e);
  } catch (const std::bad_alloc&) {
    return make_error(ErrorCode::kResourceExhausted, "chat template: out of memory while rendering");
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, "chat template: {}", e.what());
  }
}

}  // namespace

ChatTemplateClock system_chat_template_clock() {
  return [] {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    return tm;
  };
}

ChatTemplateClock fixed_chat_template_clock(int year, int month, int day, int hour, int minute, int second) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = timegm(&tm);  // normalizes and fills tm_wday / tm_yday
  gmtime_r(&t, &tm);
  return [tm] { return tm; };
}

Result<ChatTemplate> ChatTemplate::parse(std::string_view source, const ChatTemplateLimits& limits) {
  if (source.size() > limits.max_template_bytes) {
    return make_error(ErrorCode::kResourceExhausted, "chat template of {} bytes exceeds the limit of {} bytes",
                      source.size(), limits.max_template_bytes);
  }
  try {
    auto program = std::make_shared<jinja::Program>();
    program->body = jinja::parse_template(source, limits.max_parse_depth);
    ChatTemplate t;
    t.source_ = std::make_shared<const std::string>(source);
    t.program_ = std::move(program);
    t.limits_ = limits;
    return t;
  } catch (const jinja::TemplateError& e) {
    return to_status(e);
  } catch (const std::bad_alloc&) {
    return make_error(ErrorCode::kResourceExhausted, "chat template: out of memory while parsing");
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, "chat template: {}", e.what());
  }
}

Result<std::string> ChatTemplate::render(const nlohmann::ordered_json& context) const {
  return render(context, system_chat_template_clock());
}

Result<std::string> ChatTemplate::render(const nlohmann::ordered_json& context, const ChatTemplateClock& clock) const {
  return render_json(*program_, limits_, context, clock);
}

Result<std::string> ChatTemplate::render(const nlohmann::json& context) const {
  return render_json(*program_, limits_, context, system_chat_template_clock());
}

Result<std::string> chat_template_from_tokenizer_config(const nlohmann::ordered_json& config, std::string_view name) {
  if (!config.is_object() || !config.contains("chat_template"))
    return make_error(ErrorCode::kNotFound, "tokenizer config has no chat_template");
  const auto& field = config["chat_template"];
  if (field.is_string()) {
    if (!name.empty() && name != "default")
      return make_error(ErrorCode::kNotFound, "tokenizer config has a single chat template, not one named '{}'", name);
    return field.get<std::string>();
  }
  if (!field.is_array()) return make_error(ErrorCode::kCorruptData, "chat_template must be a string or a list");
  std::string_view wanted = name.empty() ? std::string_view("default") : name;
  std::string available;
  for (const auto& entry : field) {
    if (!entry.is_object() || !entry.contains("name") || !entry.contains("template") || !entry["name"].is_string() ||
        !entry["template"].is_string())
      return make_error(ErrorCode::kCorruptData, "chat_template list entries need string 'name' and 'template'");
    const auto& entry_name = entry["name"].get_ref<const std::string&>();
    if (entry_name == wanted) return entry["template"].get<std::string>();
    if (!available.empty()) available += ", ";
    available += entry_name;
  }
  return make_error(ErrorCode::kNotFound, "no chat template named '{}' (available: {})", wanted, available);
}

Result<std::string> read_chat_template_file(const std::filesystem::path& path, std::string_view name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorCode::kIoError, "cannot open chat template file {}", path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (path.extension() != ".json") return text;
  auto config = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (config.is_discarded()) return make_error(ErrorCode::kCorruptData, "{} is not valid JSON", path.string());
  auto result = chat_template_from_tokenizer_config(config, name);
  if (!result.ok()) return result.status().with_prefix(path.string());
  return result;
}

}  // namespace servir
