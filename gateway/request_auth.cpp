// gateway/request_auth.cpp - pure helpers that authorise a WebSocket upgrade:
// where the token is, how it is compared, which network a path names.
#include "gateway/request_auth.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <cstddef>

namespace switchyard::gateway {
namespace {

std::optional<std::string> token_from_query(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  // '+' is a space only in HTML form encoding; tokens are opaque strings (often
  // base64, which uses '+'), so it is kept literally.
  boost::urls::encoding_opts opts(/*space_as_plus=*/false);
  auto params = url->params(opts);
  auto it = params.find("token");
  if (it == params.end() || !(*it).has_value) return std::nullopt;
  return std::string((*it).value);
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

// RFC 6750 section 2.1: "Bearer" 1*SP b64token, surrounded by optional whitespace.
std::optional<std::string> token_from_bearer(std::string_view header) {
  while (!header.empty() && is_space(header.front())) header.remove_prefix(1);
  while (!header.empty() && is_space(header.back())) header.remove_suffix(1);
  constexpr std::string_view scheme = "bearer";
  if (header.size() <= scheme.size() || !ascii_iequals(header.substr(0, scheme.size()), scheme)) return std::nullopt;
  std::string_view rest = header.substr(scheme.size());
  if (!is_space(rest.front())) return std::nullopt;  // "Bearerxyz" is another scheme
  while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
  if (rest.empty()) return std::nullopt;
  for (char c : rest)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::nullopt;
  return std::string(rest);
}

using digest = std::array<unsigned char, 32>;

bool sha256(std::string_view data, digest& out) {
  unsigned int length = 0;
  return EVP_Digest(data.data(), data.size(), out.data(), &length, EVP_sha256(), nullptr) == 1 &&
         length == out.size();
}

}  // namespace

std::optional<std::string> extract_token(std::string_view target, std::string_view authorization_header) {
  if (auto token = token_from_query(target)) return token;
  return token_from_bearer(authorization_header);
}

bool token_matches(std::string_view expected, std::string_view given) {
  // Comparing fixed-size digests keeps the compared length independent of both
  // inputs, so neither a length mismatch nor a common prefix shows in the timing.
  digest a{};
  digest b{};
  bool hashed_expected = sha256(expected, a);
  bool hashed_given = sha256(given, b);
  int different = CRYPTO_memcmp(a.data(), b.data(), a.size());
  bool same_length = expected.size() == given.size();
  bool configured = !expected.empty();
  // Everything is computed before any branch: only the verdict is left to combine.
  return hashed_expected && hashed_given && different == 0 && same_length && configured;
}

std::optional<std::string_view> network_from_path(std::string_view path, std::string_view prefix) {
  if (!path.starts_with(prefix)) return std::nullopt;
  std::string_view name = path.substr(prefix.size());
  if (name.empty() || name.find('/') != std::string_view::npos) return std::nullopt;
  return name;
}

}  // namespace switchyard::gateway
