// Files fogbank writes out for the processes it runs, compiled into the binary (CMake generates
// the definitions from the files next to this header) so that an installed fogbank needs no
// source tree.
#pragma once

#include <string_view>

namespace fogbank {

// fogbank_endpoint.py: points Debian's boto3 at fogbank (see the module's docstring).
extern const std::string_view kBotocoreEndpointModule;

// A sitecustomize.py beside it: every Python process whose PYTHONPATH holds both reaches
// fogbank without an endpoint in its code (EC2 instances, init hooks).
inline constexpr std::string_view kEndpointSiteCustomize =
    "# fogbank: every Python process started with this on PYTHONPATH reaches fogbank.\n"
    "import fogbank_endpoint\n"
    "fogbank_endpoint.install()\n";

}  // namespace fogbank
