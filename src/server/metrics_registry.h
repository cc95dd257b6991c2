// A small Prometheus registry: counters, gauges and fixed-bucket histograms
// with labels, rendered in the text exposition format 0.0.4.
//
//   MetricsRegistry reg;
//   Counter& c = reg.counter("servir_requests_total", "Requests.", {{"model_name", "m"}});
//   c.add(1);
//   std::string text = reg.render();   // # HELP / # TYPE / samples
//
// A family (name + help + type) may hold several label sets; each call with
// a new label set adds a child, an existing one is returned again. Metric
// objects live as long as the registry and never move, so callers keep
// references. Thread-safety: updates are lock-free atomics (histograms take
// a per-histogram mutex); registration and render() lock the registry, so
// scrapes and updates may race freely.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace servir::server {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

// Monotonic; add() of a negative amount is ignored. set_total() mirrors a
// counter kept elsewhere (the engine's) and never moves it backwards.
class Counter {
 public:
  void add(double amount = 1.0);
  void set_total(double total);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double amount);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);  // ascending, +Inf implied
  void observe(double value);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative_counts;  // per bound, then +Inf (== count)
    double sum = 0.0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::vector<double> upper_bounds_;
  std::vector<std::uint64_t> bucket_counts_;  // per bound, then +Inf; not cumulative
  double sum_ = 0.0;
  std::uint64_t count_ = 0;
};

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Names must match [a-zA-Z_:][a-zA-Z0-9_:]*, label names
  // [a-zA-Z_][a-zA-Z0-9_]* (CHECKed: they are code, not input). Label values
  // are escaped on render. Re-registering a name with another type CHECK-fails.
  Counter& counter(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Gauge& gauge(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Histogram& histogram(std::string_view name, std::string_view help, const std::vector<double>& upper_bounds,
                       const MetricLabels& labels = {});

  // Families in registration order, children in registration order.
  std::string render() const;

  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  struct Family;
  Family& family(std::string_view name, std::string_view help, int type);
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_;
};

}  // namespace servir::server
