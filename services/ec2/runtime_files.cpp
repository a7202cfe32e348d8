#include "services/ec2/runtime_files.hpp"

#include <sys/stat.h>

#include <fstream>
#include <stdexcept>
#include <string_view>

#include "emulator/process.hpp"
#include "emulator/runtimes/embedded.hpp"

namespace fogbank::ec2 {

namespace {

// The instance cannot power itself off; it leaves a note that the supervisor reads within a
// tenth of a second, and then stops or terminates the instance as its
// InstanceInitiatedShutdownBehavior says. Like the real command, the shim returns at once.
constexpr std::string_view kShutdownShim = R"(#!/bin/sh
# fogbank: this instance is a local process; shutting it down stops or terminates it.
: > "${FOGBANK_INSTANCE_DIR:?}/shutdown-requested"
echo "fogbank: $(basename "$0"): the instance is going down" >&2
exit 0
)";

}  // namespace

void write_cloud_config_files(const std::filesystem::path& root, const CloudConfig& config) {
    for (auto& file : config.files) {
        std::filesystem::path path = root / file.path;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream f(path, std::ios::binary | (file.append ? std::ios::app : std::ios::trunc));
        f.write(file.content.data(), static_cast<std::streamsize>(file.content.size()));
        f.close();
        if (!f) throw std::runtime_error("ec2: cannot write " + path.string());
        ::chmod(path.c_str(), file.mode);
    }
}

void write_runtime_files(const std::filesystem::path& dir) {
    for (const char* name : {"shutdown", "poweroff", "halt"})
        write_child_file(dir / "bin" / name, kShutdownShim, true);
    write_child_file(dir / "python" / "sitecustomize.py", kEndpointSiteCustomize, false);
    write_child_file(dir / "python" / "fogbank_endpoint.py", kBotocoreEndpointModule, false);
}

}  // namespace fogbank::ec2
