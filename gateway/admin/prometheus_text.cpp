// gateway/admin/prometheus_text.cpp - a writer of the Prometheus text exposition format 0.0.4.
#include "gateway/admin/prometheus_text.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace switchyard::gateway {
namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

const char* type_name(metric_type t) {
  switch (t) {
    case metric_type::counter: return "counter";
    case metric_type::gauge: return "gauge";
    case metric_type::histogram: return "histogram";
  }
  return "untyped";
}

void check_labels(metric_labels labels, metric_type type, const std::string& family) {
  for (const auto& l : labels) {
    if (!is_valid_label_name(l.name))
      throw std::invalid_argument("metric " + family + ": invalid label name '" + std::string(l.name) + "'");
    // The writer adds `le` itself; a caller's would make two.
    if (type == metric_type::histogram && l.name == "le")
      throw std::invalid_argument("metric " + family + ": 'le' is reserved in histograms");
  }
}

}  // namespace

bool is_valid_metric_name(std::string_view name) {
  if (name.empty() || !(is_name_start(name[0]) || name[0] == ':')) return false;
  for (char c : name)
    if (!is_name_char(c) && c != ':') return false;
  return true;
}

bool is_valid_label_name(std::string_view name) {
  if (name.empty() || !is_name_start(name[0]) || name.starts_with("__")) return false;
  for (char c : name)
    if (!is_name_char(c)) return false;
  return true;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);  // shortest round-trip
  return ec == std::errc{} ? std::string(buffer, end) : "NaN";
}

prometheus_text::family& prometheus_text::family::add(metric_labels labels, std::uint64_t value) {
  if (type_ == metric_type::histogram)
    throw std::invalid_argument("metric " + name_ + ": a histogram takes add_histogram");
  check_labels(labels, type_, name_);
  add_line("", labels, nullptr, std::to_string(value));
  return *this;
}

prometheus_text::family& prometheus_text::family::add(metric_labels labels, double value) {
  if (type_ == metric_type::histogram)
    throw std::invalid_argument("metric " + name_ + ": a histogram takes add_histogram");
  check_labels(labels, type_, name_);
  add_line("", labels, nullptr, format_value(value));
  return *this;
}

prometheus_text::family& prometheus_text::family::add_histogram(metric_labels labels, const histogram_sample& h) {
  if (type_ != metric_type::histogram) throw std::invalid_argument("metric " + name_ + ": not a histogram");
  if (h.bucket_counts.size() != h.bounds.size() + 1)
    throw std::invalid_argument("metric " + name_ + ": one bucket count per bound plus +Inf expected");
  for (std::size_t i = 1; i < h.bounds.size(); ++i)
    if (!(h.bounds[i - 1] < h.bounds[i])) throw std::invalid_argument("metric " + name_ + ": bounds must ascend");
  check_labels(labels, type_, name_);
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= h.bounds.size(); ++i) {
    cumulative += h.bucket_counts[i];
    std::string le = i < h.bounds.size() ? format_value(h.bounds[i]) : "+Inf";
    metric_label extra{"le", le};
    add_line("_bucket", labels, &extra, std::to_string(cumulative));
  }
  add_line("_sum", labels, nullptr, format_value(h.sum));
  add_line("_count", labels, nullptr, std::to_string(cumulative));
  return *this;
}

void prometheus_text::family::add_line(std::string_view suffix, metric_labels labels, const metric_label* extra,
                                       std::string_view value) {
  samples_ += name_;
  samples_ += suffix;
  if (labels.size() > 0 || extra) {
    samples_ += '{';
    bool first = true;
    auto put = [&](const metric_label& l) {
      if (!first) samples_ += ',';
      first = false;
      samples_ += l.name;
      samples_ += "=\"";
      samples_ += escape_label_value(l.value);
      samples_ += '"';
    };
    for (const auto& l : labels) put(l);
    if (extra) put(*extra);
    samples_ += '}';
  }
  samples_ += ' ';
  samples_ += value;
  samples_ += '\n';
}

prometheus_text::family& prometheus_text::get(std::string_view name, metric_type type, std::string_view help) {
  if (auto it = index_.find(name); it != index_.end()) {
    family& f = *families_[it->second];
    if (f.type_ != type || f.help_ != help)
      throw std::invalid_argument("metric " + std::string(name) + " asked for with another type or help");
    return f;
  }
  if (!is_valid_metric_name(name)) throw std::invalid_argument("invalid metric name '" + std::string(name) + "'");
  if (type == metric_type::counter && !name.ends_with("_total"))
    throw std::invalid_argument("counter " + std::string(name) + " must end in _total");
  index_.emplace(std::string(name), families_.size());
  families_.push_back(std::unique_ptr<family>(new family(std::string(name), type, std::string(help))));
  return *families_.back();
}

prometheus_text::family& prometheus_text::counter(std::string_view name, std::string_view help) {
  return get(name, metric_type::counter, help);
}

prometheus_text::family& prometheus_text::gauge(std::string_view name, std::string_view help) {
  return get(name, metric_type::gauge, help);
}

prometheus_text::family& prometheus_text::histogram(std::string_view name, std::string_view help) {
  return get(name, metric_type::histogram, help);
}

std::string prometheus_text::text() const {
  std::string out;
  for (const auto& f : families_) {
    if (f->samples_.empty()) continue;
    out += "# HELP " + f->name_ + ' ' + escape_help(f->help_) + '\n';
    out += "# TYPE " + f->name_ + ' ' + type_name(f->type_) + '\n';
    out += f->samples_;
  }
  return out;
}

}  // namespace switchyard::gateway
