// tests/unit/gateway/request_auth_test.cpp - token extraction, constant-time
// comparison and network names from upgrade request paths.
#include "gateway/request_auth.hpp"

#include <gtest/gtest.h>

namespace switchyard::gateway {
namespace {

TEST(ExtractToken, ReadsTheTokenQueryParameter) {
  EXPECT_EQ(extract_token("/net/lab?token=abc123", ""), "abc123");
  EXPECT_EQ(extract_token("/net/lab?x=1&token=abc&y=2", ""), "abc");
}

TEST(ExtractToken, PercentDecodesTheQueryParameter) {
  EXPECT_EQ(extract_token("/net/lab?token=a%2Fb%3Dc%25", ""), "a/b=c%");
}

TEST(ExtractToken, KeepsAPlusSignInTheQueryLiterally) {
  EXPECT_EQ(extract_token("/net/lab?token=ab+cd==", ""), "ab+cd==");
}

TEST(ExtractToken, TakesTheFirstOfRepeatedParameters) {
  EXPECT_EQ(extract_token("/net/lab?token=first&token=second", ""), "first");
}

TEST(ExtractToken, ReadsABearerAuthorizationHeader) {
  EXPECT_EQ(extract_token("/net/lab", "Bearer abc123"), "abc123");
  EXPECT_EQ(extract_token("/net/lab", "bearer abc123"), "abc123");
  EXPECT_EQ(extract_token("/net/lab", "BEARER   abc123  "), "abc123");
  EXPECT_EQ(extract_token("/net/lab", "Bearer a-b._~+/c="), "a-b._~+/c=");
}

TEST(ExtractToken, PrefersTheQueryParameterOverTheHeader) {
  EXPECT_EQ(extract_token("/net/lab?token=query", "Bearer header"), "query");
}

TEST(ExtractToken, FallsBackToTheHeaderWhenTheQueryHasNoToken) {
  EXPECT_EQ(extract_token("/net/lab?other=1", "Bearer header"), "header");
  EXPECT_EQ(extract_token("/net/lab?token", "Bearer header"), "header");  // a key without '=' has no value
}

TEST(ExtractToken, ReturnsAnEmptyTokenWhenTheQueryGivesOne) {
  // Present but empty: it never matches a configured token, so access is denied.
  EXPECT_EQ(extract_token("/net/lab?token=", ""), "");
}

TEST(ExtractToken, FindsNothingWhenNeitherIsThere) {
  EXPECT_FALSE(extract_token("/net/lab", ""));
  EXPECT_FALSE(extract_token("/net/lab?tokens=abc", ""));
  EXPECT_FALSE(extract_token("/net/lab?Token=abc", ""));
}

TEST(ExtractToken, IgnoresOtherSchemesAndMalformedHeaders) {
  for (const char* header : {"Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearerabc", "Token abc", "Bearer a b",
                             "Bearer a\x01", " Bearer"})
    EXPECT_FALSE(extract_token("/net/lab", header)) << '"' << header << '"';
}

TEST(ExtractToken, IgnoresTheQueryOfATargetThatIsNotOriginForm) {
  EXPECT_FALSE(extract_token("http://host/net/lab?token=abc", ""));
  EXPECT_FALSE(extract_token("/net/lab?token=a%zz", ""));
  EXPECT_EQ(extract_token("net/lab?token=abc", "Bearer header"), "header");
}

TEST(TokenMatches, AcceptsOnlyTheSameToken) {
  EXPECT_TRUE(token_matches("s3cr3t", "s3cr3t"));
  EXPECT_FALSE(token_matches("s3cr3t", "s3cr3T"));
  EXPECT_FALSE(token_matches("s3cr3t", "s3cr3"));
  EXPECT_FALSE(token_matches("s3cr3t", "s3cr3tt"));
  EXPECT_FALSE(token_matches("s3cr3t", ""));
}

TEST(TokenMatches, NeverMatchesAnEmptyExpectedToken) {
  EXPECT_FALSE(token_matches("", ""));
  EXPECT_FALSE(token_matches("", "anything"));
}

TEST(TokenMatches, ComparesEmbeddedNulsAndLongTokens) {
  using namespace std::string_view_literals;
  EXPECT_TRUE(token_matches("a\0b"sv, "a\0b"sv));
  EXPECT_FALSE(token_matches("a\0b"sv, "a\0c"sv));
  std::string long_token(10'000, 'x');
  EXPECT_TRUE(token_matches(long_token, long_token));
  EXPECT_FALSE(token_matches(long_token, long_token.substr(1)));
}

TEST(NetworkFromPath, ReturnsTheNameAfterThePrefix) {
  EXPECT_EQ(network_from_path("/net/public", "/net/"), "public");
  EXPECT_EQ(network_from_path("/net/class-7b", "/net/"), "class-7b");
}

TEST(NetworkFromPath, RejectsOtherPrefixesEmptyNamesAndDeeperPaths) {
  for (const char* path : {"/net/", "/net", "/net/a/", "/net/a/b", "/wisp/a", "/netx/a", "net/a", "", "//net/a"})
    EXPECT_FALSE(network_from_path(path, "/net/")) << '"' << path << '"';
}

TEST(NetworkFromPath, AliasesThePath) {
  std::string_view path = "/net/lab";
  auto name = network_from_path(path, "/net/");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->data(), path.data() + 5);
}

}  // namespace
}  // namespace switchyard::gateway
