// tests/unit/gateway/doh_request_test.cpp - base64url and the ?dns= parameter of RFC 8484 GETs.
#include "gateway/doh_request.hpp"

#include <gtest/gtest.h>

#include <string>

namespace switchyard::gateway {
namespace {

std::string as_text(const std::vector<std::byte>& bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

TEST(DohRequest, DecodesBase64urlWithAndWithoutPadding) {
  EXPECT_EQ(as_text(decode_base64url("").value()), "");
  EXPECT_EQ(as_text(decode_base64url("Zg").value()), "f");
  EXPECT_EQ(as_text(decode_base64url("Zg==").value()), "f");
  EXPECT_EQ(as_text(decode_base64url("Zm8").value()), "fo");
  EXPECT_EQ(as_text(decode_base64url("Zm9v").value()), "foo");
  EXPECT_EQ(as_text(decode_base64url("Zm9vYg").value()), "foob");
  auto binary = decode_base64url("-_8").value();  // the URL-safe alphabet: 0xfb 0xff
  ASSERT_EQ(binary.size(), 2u);
  EXPECT_EQ(binary[0], std::byte{0xfb});
  EXPECT_EQ(binary[1], std::byte{0xff});
}

TEST(DohRequest, RefusesOtherAlphabetsAndImpossibleLengths) {
  EXPECT_FALSE(decode_base64url("Zm9v+g"));  // '+' is standard base64, not base64url
  EXPECT_FALSE(decode_base64url("Zm9v/g"));
  EXPECT_FALSE(decode_base64url("Zm9vY"));  // 5 sextets: no encoding ends so
  EXPECT_FALSE(decode_base64url("Zm 9v"));
}

TEST(DohRequest, ReadsTheRfc8484Example) {
  // RFC 8484 section 4.1.1: www.example.com A, id 0.
  auto q = doh_query_from_target("/dns-query?dns=AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->size(), 33u);
  EXPECT_EQ((*q)[12], std::byte{3});
}

TEST(DohRequest, RefusesMissingEmptyBadAndOversizedParameters) {
  EXPECT_FALSE(doh_query_from_target("/dns-query"));
  EXPECT_FALSE(doh_query_from_target("/dns-query?dns="));
  EXPECT_FALSE(doh_query_from_target("/dns-query?dns"));
  EXPECT_FALSE(doh_query_from_target("/dns-query?dns=%%%"));
  EXPECT_FALSE(doh_query_from_target("/dns-query?dns=AA+A"));
  EXPECT_FALSE(doh_query_from_target("/dns-query?dns=" + std::string(6000, 'A')));
}

}  // namespace
}  // namespace switchyard::gateway
