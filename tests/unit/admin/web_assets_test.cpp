// tests/unit/admin/web_assets_test.cpp - the embedded dashboard and demo page
// (cmake/embed_web.cmake): paths map to web/'s files with the right types.
#include "gateway/admin/web_assets.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace switchyard::gateway {
namespace {

TEST(WebAssets, ServesTheDashboardAtTheRoot) {
  const web_asset* root = find_web_asset("/");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->content_type, "text/html; charset=utf-8");
  EXPECT_TRUE(root->body.starts_with("<!doctype html>"));
  EXPECT_NE(root->body.find("js/app.js"), std::string_view::npos);
  EXPECT_EQ(find_web_asset("/index.html"), root);
}

TEST(WebAssets, ServesJavaScriptModulesAsJavaScript) {
  const web_asset* app = find_web_asset("/js/app.js");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(app->body.find("import"), std::string_view::npos);
}

TEST(WebAssets, ServesStyleSheetsAsCss) {
  const web_asset* css = find_web_asset("/style.css");
  ASSERT_NE(css, nullptr);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
}

TEST(WebAssets, ServesTheDemoPageAtItsDirectory) {
  const web_asset* demo = find_web_asset("/demo/");
  ASSERT_NE(demo, nullptr);
  EXPECT_EQ(demo->content_type, "text/html; charset=utf-8");
  EXPECT_NE(demo->body.find("demo.js"), std::string_view::npos);
  EXPECT_EQ(find_web_asset("/demo/index.html"), demo);
  const web_asset* script = find_web_asset("/demo/demo.js");
  ASSERT_NE(script, nullptr);
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
}

TEST(WebAssets, LeavesTheDemoDirectoryWithoutSlashToTheRouter) {
  EXPECT_EQ(find_web_asset("/demo"), nullptr);
}

TEST(WebAssets, KeepsEveryByteOfAFile) {
  // The generator escapes every byte: the body ends exactly where the file does.
  const web_asset* root = find_web_asset("/");
  ASSERT_NE(root, nullptr);
  EXPECT_TRUE(root->body.ends_with("</html>\n"));
  EXPECT_EQ(root->body.find('\0'), std::string_view::npos);
}

TEST(WebAssets, IgnoresTheQuery) {
  EXPECT_EQ(find_web_asset("/?token=abc"), find_web_asset("/"));
  EXPECT_EQ(find_web_asset("/js/app.js?v=2"), find_web_asset("/js/app.js"));
}

TEST(WebAssets, FindsNothingForUnknownPaths) {
  EXPECT_EQ(find_web_asset(""), nullptr);
  EXPECT_EQ(find_web_asset("/nope.html"), nullptr);
  EXPECT_EQ(find_web_asset("/js/"), nullptr);
  EXPECT_EQ(find_web_asset("/js"), nullptr);
  EXPECT_EQ(find_web_asset("js/app.js"), nullptr);
  EXPECT_EQ(find_web_asset("/../web/index.html"), nullptr);
  EXPECT_EQ(find_web_asset("/JS/APP.JS"), nullptr);
  EXPECT_EQ(find_web_asset("/api/networks"), nullptr);
}

}  // namespace
}  // namespace switchyard::gateway
