// cloud-init's `#cloud-config` UserData, the part a worker's launch uses: `write_files` (path,
// content, encoding text/b64, permissions, append) and `bootcmd`/`runcmd` (a string is a shell
// line, a list is an argv). Other modules are named in the result so the instance's console can
// say they were skipped. An instance shares this machine's filesystem, so files are written
// beneath the instance's own root directory, never over the machine's.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::ec2 {

struct CloudConfig {
    struct File {
        std::string path;  // relative, no `..`: beneath the instance's root directory
        std::string content;
        unsigned mode = 0644;
        bool append = false;
    };
    std::vector<File> files;
    std::vector<std::string> bootcmd, runcmd;  // shell lines
    std::vector<std::string> skipped;          // modules fogbank does not run
};

// Whether UserData is a cloud-config document (its first line is `#cloud-config`).
bool is_cloud_config(std::string_view user_data);
// The document's modules; nullopt with `error` set when it is not valid YAML or not the shape
// cloud-init expects. Nesting is bounded before the YAML parser sees it.
std::optional<CloudConfig> parse_cloud_config(std::string_view user_data, std::string& error);
// The /bin/sh script that runs bootcmd, then runcmd.
std::string cloud_config_script(const CloudConfig& config);

}  // namespace fogbank::ec2
