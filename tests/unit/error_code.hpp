// The AWS error code a call throws, or "ok" when it throws none: what validation tests compare.
#pragma once

#include <functional>
#include <string>

#include "emulator/aws_error.hpp"

namespace fogbank::test_support {

inline std::string code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const AwsError& e) {
        return e.code();
    }
    return "ok";
}

}  // namespace fogbank::test_support
