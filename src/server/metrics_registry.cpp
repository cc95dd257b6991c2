#include "server/metrics_registry.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "util/check.h"

namespace servir::server {
namespace {

enum FamilyType { kCounter = 0, kGauge = 1, kHistogram = 2 };

const char* type_name(int type) {
  switch (type) {
    case kCounter:
      return "counter";
    case kGauge:
      return "gauge";
    default:
      return "histogram";
  }
}

bool valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Prometheus numbers: Go's ParseFloat syntax, with +Inf/-Inf/NaN spelled so.
std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

void append_escaped(std::string& out, std::string_view text, bool quote) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

// {a="x",b="y"} with an optional extra label (le) last; "" when no labels.
std::string label_text(const MetricLabels& labels, std::string_view extra_name = {}, std::string_view extra = {}) {
  if (labels.empty() && extra_name.empty()) return {};
  std::string out = "{";
  bool first = true;
  const auto add = [&](std::string_view name, std::string_view value) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    append_escaped(out, value, true);
    out += '"';
  };
  for (const auto& [name, value] : labels) add(name, value);
  if (!extra_name.empty()) add(extra_name, extra);
  out += '}';
  return out;
}

}  // namespace

void Counter::add(double amount) {
  if (!(amount > 0)) return;
  value_.fetch_add(amount, std::memory_order_relaxed);
}

void Counter::set_total(double total) {
  double current = value_.load(std::memory_order_relaxed);
  while (total > current && !value_.compare_exchange_weak(current, total, std::memory_order_relaxed)) {
  }
}

void Gauge::add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }

Histogram::Histogram(std::vector<double> upper_bounds) : upper_bounds_(std::move(upper_bounds)) {
  CHECK(std::is_sorted(upper_bounds_.begin(), upper_bounds_.end())) << "histogram bounds must ascend";
  bucket_counts_.assign(upper_bounds_.size() + 1, 0);
}

void Histogram::observe(double value) {
  if (std::isnan(value)) return;
  // Buckets are inclusive upper bounds: value <= le.
  const auto bucket = static_cast<std::size_t>(std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) -
                                               upper_bounds_.begin());
  std::lock_guard lock(mutex_);
  ++bucket_counts_[bucket];
  sum_ += value;
  ++count_;
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.upper_bounds = upper_bounds_;
  std::lock_guard lock(mutex_);
  std::uint64_t running = 0;
  for (const std::uint64_t c : bucket_counts_) {
    running += c;
    s.cumulative_counts.push_back(running);
  }
  s.sum = sum_;
  s.count = count_;
  return s;
}

struct MetricsRegistry::Family {
  std::string name;
  std::string help;
  int type = kCounter;
  struct Child {
    MetricLabels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  std::vector<Child> children;

  Child* find(const MetricLabels& labels) {
    for (Child& c : children) {
      if (c.labels == labels) return &c;
    }
    return nullptr;
  }
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Family& MetricsRegistry::family(std::string_view name, std::string_view help, int type) {
  CHECK(valid_name(name, true)) << "bad metric name " << name;
  for (auto& f : families_) {
    if (f->name == name) {
      CHECK(f->type == type) << "metric " << name << " registered as " << type_name(f->type);
      return *f;
    }
  }
  auto f = std::make_unique<Family>();
  f->name = std::string(name);
  f->help = std::string(help);
  f->type = type;
  families_.push_back(std::move(f));
  return *families_.back();
}

Counter& MetricsRegistry::counter(std::string_view name, std::string_view help, const MetricLabels& labels) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, kCounter);
  if (auto* c = f.find(labels)) return *c->counter;
  for (const auto& [label, value] : labels) CHECK(valid_name(label, false)) << "bad label name " << label;
  f.children.push_back({.labels = labels, .counter = std::make_unique<Counter>()});
  return *f.children.back().counter;
}

Gauge& MetricsRegistry::gauge(std::string_view name, std::string_view help, const MetricLabels& labels) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, kGauge);
  if (auto* c = f.find(labels)) return *c->gauge;
  for (const auto& [label, value] : labels) CHECK(valid_name(label, false)) << "bad label name " << label;
  f.children.push_back({.labels = labels, .gauge = std::make_unique<Gauge>()});
  return *f.children.back().gauge;
}

Histogram& MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                      const std::vector<double>& upper_bounds, const MetricLabels& labels) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, kHistogram);
  if (auto* c = f.find(labels)) return *c->histogram;
  for (const auto& [label, value] : labels) {
    CHECK(valid_name(label, false) && label != "le") << "bad label name " << label;
  }
  f.children.push_back({.labels = labels, .histogram = std::make_unique<Histogram>(upper_bounds)});
  return *f.children.back().histogram;
}

std::string MetricsRegistry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& f : families_) {
    out += "# HELP ";
    out += f->name;
    out += ' ';
    append_escaped(out, f->help, false);
    out += "\n# TYPE ";
    out += f->name;
    out += ' ';
    out += type_name(f->type);
    out += '\n';
    for (const auto& child : f->children) {
      if (f->type == kHistogram) {
        const Histogram::Snapshot s = child.histogram->snapshot();
        for (std::size_t i = 0; i <= s.upper_bounds.size(); ++i) {
          const std::string le = i < s.upper_bounds.size() ? format_value(s.upper_bounds[i]) : "+Inf";
          out += fmt::format("{}_bucket{} {}\n", f->name, label_text(child.labels, "le", le), s.cumulative_counts[i]);
        }
        out += fmt::format("{}_sum{} {}\n", f->name, label_text(child.labels), format_value(s.sum));
        out += fmt::format("{}_count{} {}\n", f->name, label_text(child.labels), s.count);
      } else {
        const double v = f->type == kCounter ? child.counter->value() : child.gauge->value();
        out += fmt::format("{}{} {}\n", f->name, label_text(child.labels), format_value(v));
      }
    }
  }
  return out;
}

}  // namespace servir::server
