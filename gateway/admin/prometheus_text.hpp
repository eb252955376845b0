// gateway/admin/prometheus_text.hpp - a writer of the Prometheus text
// exposition format 0.0.4 (pure: values in, text out).
//
// Samples are collected per family and written grouped, each family once with
// its `# HELP` and `# TYPE` lines, in the order the families were first asked
// for. So a caller may walk its objects once (network by network) and add to
// many families as it goes. Metric and label names are ours and checked
// (an invalid one is a programming error: std::invalid_argument); label values
// may come from users (network names) and are escaped.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::gateway {

enum class metric_type : std::uint8_t { counter, gauge, histogram };

struct metric_label {
  std::string_view name;
  std::string_view value;
};
using metric_labels = std::initializer_list<metric_label>;

/// One histogram's state: `bucket_counts[i]` observations fell in
/// (bounds[i-1], bounds[i]], the last entry (one more than `bounds`) above
/// every bound. Not cumulative: the writer sums them.
struct histogram_sample {
  std::span<const double> bounds;  ///< ascending upper bounds, in the metric's unit
  std::span<const std::uint64_t> bucket_counts;
  double sum = 0;
};

/// `name` is a valid metric name: [a-zA-Z_:][a-zA-Z0-9_:]*.
bool is_valid_metric_name(std::string_view name);
/// `name` is a valid label name: [a-zA-Z_][a-zA-Z0-9_]*, not starting with "__" (reserved).
bool is_valid_label_name(std::string_view name);
/// A label value as the text format wants it inside quotes: \ " and newline escaped.
std::string escape_label_value(std::string_view value);
/// HELP text: \ and newline escaped (quotes stay).
std::string escape_help(std::string_view help);
/// A sample value: integers exactly, others shortest round-trip, +Inf, -Inf, NaN.
std::string format_value(double value);

class prometheus_text {
 public:
  class family {
   public:
    /// Adds one sample. Counters and gauges only (histograms: observe()).
    family& add(metric_labels labels, std::uint64_t value);
    family& add(metric_labels labels, double value);
    /// Adds one histogram series: `_bucket{le=...}` cumulative up to +Inf, `_sum`, `_count`.
    family& add_histogram(metric_labels labels, const histogram_sample& histogram);

   private:
    friend class prometheus_text;
    family(std::string name, metric_type type, std::string help)
        : name_(std::move(name)), type_(type), help_(std::move(help)) {}
    void add_line(std::string_view suffix, metric_labels labels, const metric_label* extra, std::string_view value);

    std::string name_;
    metric_type type_;
    std::string help_;
    std::string samples_;  // sample lines, already formatted
  };

  /// The family called `name`, created on first use. Counters must end in
  /// `_total`. Asking again with another type or help throws std::invalid_argument.
  family& counter(std::string_view name, std::string_view help);
  family& gauge(std::string_view name, std::string_view help);
  family& histogram(std::string_view name, std::string_view help);

  /// The whole exposition. Families without samples are left out.
  std::string text() const;

 private:
  family& get(std::string_view name, metric_type type, std::string_view help);

  std::vector<std::unique_ptr<family>> families_;  // unique_ptr: references stay valid as it grows
  std::map<std::string, std::size_t, std::less<>> index_;  // name -> position in families_
};

}  // namespace switchyard::gateway
