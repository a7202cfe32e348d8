// The web console's files (console/ in the source tree), compiled into the binary by
// cmake/embed_files.cmake.
#pragma once

#include <string_view>
#include <vector>

namespace fogbank {

struct ConsoleAsset {
    std::string_view path;  // relative to console/, e.g. "app.js"
    std::string_view bytes;
};

const std::vector<ConsoleAsset>& console_assets();

}  // namespace fogbank
