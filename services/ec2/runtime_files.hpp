// What an instance's directory holds besides its UserData: shutdown, poweroff and halt shims on
// its PATH, and a sitecustomize that points Debian's boto3 at fogbank.
#pragma once

#include <filesystem>
#include <string_view>

#include "services/ec2/cloud_config.hpp"

namespace fogbank::ec2 {

// Writes bin/{shutdown,poweroff,halt} and python/{sitecustomize,fogbank_endpoint}.py.
void write_runtime_files(const std::filesystem::path& instance_dir);
// A cloud-config's write_files, beneath `root` (throws on failure).
void write_cloud_config_files(const std::filesystem::path& root, const CloudConfig& config);

}  // namespace fogbank::ec2
