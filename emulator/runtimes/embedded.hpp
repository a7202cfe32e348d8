// Files fogbank writes out for the processes it runs, compiled into the binary (CMake generates
// the definitions from the files next to this header) so that an installed fogbank needs no
// source tree.
#pragma once

#include <string_view>

namespace fogbank {

// fogbank_endpoint.py: points Debian's boto3 at fogbank (see the module's docstring).
extern const std::string_view kBotocoreEndpointModule;

}  // namespace fogbank
