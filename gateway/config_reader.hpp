// gateway/config_reader.hpp - the strict TOML reader behind gateway/config.cpp
// and its per-topic parts: every failure throws config_error with one line,
// "<file>:<line>: <key>: <message>". Internal to the configuration loader.
#pragma once

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/config.hpp"

namespace switchyard::gateway::config_detail {

inline std::string one_line(std::string_view text) {
  std::string out(text);
  std::replace_if(out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return out;
}

inline std::string locate(std::string_view file, toml::source_index line, std::string_view key,
                          std::string_view message) {
  std::string out(file);
  if (line != 0) out += ':' + std::to_string(line);
  out += ": ";
  if (!key.empty()) {
    out += key;
    out += ": ";
  }
  out += message;
  return one_line(out);  // keys and values may hold escaped newlines; the message must stay one line
}

inline std::string_view type_name(toml::node_type t) {
  switch (t) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

// Levenshtein distance, to suggest the key the operator probably meant.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Reads one TOML document; every failure throws config_error with a location.
class reader {
 public:
  explicit reader(std::string_view file) : file_(file) {}

  [[noreturn]] void fail(const toml::source_region& where, std::string_view key, std::string_view message) const {
    throw config_error(locate(file_, where.begin.line, key, message), std::string(key), one_line(message));
  }

  // Checked before any value is read, so a typo fails even when the table is otherwise valid.
  void reject_unknown_keys(const toml::table& table, std::span<const std::string_view> known,
                           std::string_view prefix) const {
    for (auto&& [key, node] : table) {
      std::string_view name = key.str();  // a plain local: clang 14 cannot capture structured bindings
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      std::string message = "unknown key";
      auto best = std::min_element(known.begin(), known.end(), [&](std::string_view x, std::string_view y) {
        return edit_distance(name, x) < edit_distance(name, y);
      });
      if (best != known.end() && edit_distance(name, *best) <= 2)
        message += " (did you mean '" + std::string(*best) + "'?)";
      fail(key.source().begin.line != 0 ? key.source() : node.source(), join(prefix, name), message);
    }
  }

  const std::string& string_value(const toml::node& node, std::string_view key) const {
    auto* s = node.as_string();
    if (!s) fail(node.source(), key, "expected a string, got " + std::string(type_name(node.type())));
    return s->get();
  }

  std::int64_t integer_in(const toml::node& node, std::string_view key, std::int64_t low, std::int64_t high) const {
    auto* i = node.as_integer();
    if (!i) fail(node.source(), key, "expected an integer, got " + std::string(type_name(node.type())));
    std::int64_t v = i->get();
    if (v < low || v > high)
      fail(node.source(), key,
           "must be between " + std::to_string(low) + " and " + std::to_string(high) + ", got " + std::to_string(v));
    return v;
  }

  const toml::table& table_value(const toml::node& node, std::string_view key) const {
    auto* t = node.as_table();
    if (!t) fail(node.source(), key, "expected a table, got " + std::string(type_name(node.type())));
    return *t;
  }

  static std::string join(std::string_view prefix, std::string_view key) {
    if (prefix.empty()) return std::string(key);
    return std::string(prefix) + '.' + std::string(key);
  }

 private:
  std::string file_;
};

}  // namespace switchyard::gateway::config_detail
