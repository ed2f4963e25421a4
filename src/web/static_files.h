// The dashboard's files (src/web/static), embedded in the binary at build time by
// cmake/EmbedFiles.cmake: the page needs nothing from the disk or the internet.
#pragma once

#include <span>
#include <string_view>

namespace paddock::web {

struct StaticFile {
  std::string_view path;          // "/index.html"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view content;
};

std::span<const StaticFile> static_files();

}  // namespace paddock::web
