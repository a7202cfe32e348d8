// The Python and Node bootstraps, compiled into the binary (CMake generates the definitions
// from the .py/.mjs files next to this header) so that an installed fogbank needs no source
// tree to run functions. Written out to the Lambda work directory at start-up.
#pragma once

#include <string_view>

namespace fogbank::lambda {

extern const std::string_view kPythonBootstrap;
extern const std::string_view kNodeBootstrap;

}  // namespace fogbank::lambda
