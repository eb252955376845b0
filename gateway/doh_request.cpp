// gateway/doh_request.cpp - pure helpers for the DNS-over-HTTPS endpoint.
#include "gateway/doh_request.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <cstdint>

namespace switchyard::gateway {
namespace {

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::optional<std::vector<std::byte>> decode_base64url(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;  // no encoding ends with a lone sextet
  std::vector<std::byte> out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int v = sextet(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    if (++count == 4) {
      out.push_back(std::byte(bits >> 16));
      out.push_back(std::byte(bits >> 8));
      out.push_back(std::byte(bits));
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) out.push_back(std::byte(bits >> 4));
  if (count == 3) {
    out.push_back(std::byte(bits >> 10));
    out.push_back(std::byte(bits >> 2));
  }
  return out;
}

std::optional<std::vector<std::byte>> doh_query_from_target(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  auto params = url->params();
  auto it = params.find("dns");
  if (it == params.end()) return std::nullopt;
  auto param = *it;  // owns the decoded value
  if (!param.has_value) return std::nullopt;
  const std::string& value = param.value;
  if (value.size() > (max_doh_query * 4 + 2) / 3 + 2) return std::nullopt;
  auto decoded = decode_base64url(value);
  if (!decoded || decoded->empty() || decoded->size() > max_doh_query) return std::nullopt;
  return decoded;
}

}  // namespace switchyard::gateway
