// The #cloud-config reader (yaml-cpp beneath a nesting bound) on raw bytes: what it accepts has
// only relative paths without `..`, and its script is built without failing.
#include "services/ec2/cloud_config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string doc = "#cloud-config\n" + std::string(fuzz::bytes(data, size));
    std::string error;
    auto config = ec2::parse_cloud_config(doc, error);
    if (!config) {
        fuzz::check(!error.empty(), "a refusal says why");
        return 0;
    }
    for (auto& f : config->files) {
        fuzz::check(!f.path.empty() && f.path[0] != '/', "paths are relative");
        fuzz::check(("/" + f.path + "/").find("/../") == std::string::npos, "no path climbs out");
        fuzz::check(f.mode <= 07777, "a mode is a mode");
    }
    (void)ec2::cloud_config_script(*config);
    return 0;
}
