// gateway/admin/web_assets.hpp - the dashboard and the v86 demo page (the
// files under web/), compiled into the binary by cmake/embed_web.cmake.
//
// The definition is generated at build time (build dir:
// generated/web_assets.cpp), one entry per file under web/, so the server
// needs no files on disk and cannot be made to read any.
#pragma once

#include <string_view>

namespace switchyard::gateway {

/// One embedded file: its bytes and the Content-Type to serve them with.
struct web_asset {
  std::string_view content_type;  ///< e.g. "text/javascript; charset=utf-8"
  std::string_view body;
};

/// The embedded file for a request path, or nullptr: "/" is index.html,
/// "/demo/" is demo/index.html, "/js/app.js" is web/js/app.js. A query
/// ("?token=…") is ignored. "/demo" (no slash) is nullptr: the router
/// redirects it, so that the page's relative URLs resolve under /demo/.
/// The result points at static storage: valid for the life of the program.
const web_asset* find_web_asset(std::string_view path);

}  // namespace switchyard::gateway
