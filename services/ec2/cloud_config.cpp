#include "services/ec2/cloud_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <stdexcept>

#include "emulator/encoding.hpp"

namespace fogbank::ec2 {

namespace {

constexpr int kMaxNesting = 32;

// Deepest flow ([ {) or block (indentation) nesting, roughly: enough to keep yaml-cpp's
// recursive descent shallow on hostile input.
bool shallow(std::string_view text) {
    int flow = 0;
    size_t line_start = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '[' || c == '{') {
            if (++flow > kMaxNesting) return false;
        } else if ((c == ']' || c == '}') && flow > 0) {
            --flow;
        } else if (c == '\n') {
            line_start = i + 1;
        } else if (i == line_start) {
            size_t indent = text.find_first_not_of(" -", line_start);
            if (indent != std::string_view::npos && indent - line_start > 4 * kMaxNesting)
                return false;
        }
    }
    return true;
}

std::string quoted(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

std::vector<std::string> commands(const YAML::Node& node, const char* module) {
    std::vector<std::string> out;
    if (!node) return out;
    if (!node.IsSequence()) throw std::invalid_argument(std::string(module) + " must be a list");
    for (const auto& entry : node) {
        if (entry.IsScalar()) {
            out.push_back(entry.as<std::string>());
        } else if (entry.IsSequence()) {
            std::string line;
            for (const auto& arg : entry) {
                if (!arg.IsScalar())
                    throw std::invalid_argument(std::string(module) +
                                                ": an argument must be a string");
                line += (line.empty() ? "" : " ") + quoted(arg.as<std::string>());
            }
            out.push_back(line);
        } else {
            throw std::invalid_argument(std::string(module) +
                                        ": each entry must be a string or a list");
        }
    }
    return out;
}

std::string relative_path(const std::string& path) {
    if (path.empty() || path[0] != '/')
        throw std::invalid_argument("write_files: path must be absolute: " + path);
    std::string out;
    size_t start = 1;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        std::string seg =
            path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        if (seg == "..")
            throw std::invalid_argument("write_files: path may not contain '..': " + path);
        if (!seg.empty() && seg != ".") out += (out.empty() ? "" : "/") + seg;
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    if (out.empty()) throw std::invalid_argument("write_files: path names no file: " + path);
    return out;
}

unsigned permissions(const YAML::Node& node) {
    if (!node) return 0644;
    std::string text = node.as<std::string>();
    if (text.rfind("0o", 0) == 0) text = text.substr(2);
    if (text.empty() || text.size() > 4 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '7'; }))
        throw std::invalid_argument("write_files: permissions must be octal: " + text);
    return static_cast<unsigned>(std::stoul(text, nullptr, 8));
}

}  // namespace

bool is_cloud_config(std::string_view user_data) {
    std::string_view first = user_data.substr(0, user_data.find('\n'));
    while (!first.empty() && (first.back() == '\r' || first.back() == ' '))
        first.remove_suffix(1);
    return first == "#cloud-config";
}

std::optional<CloudConfig> parse_cloud_config(std::string_view user_data, std::string& error) {
    if (!shallow(user_data)) {
        error = "the document is nested too deeply";
        return std::nullopt;
    }
    try {
        YAML::Node doc = YAML::Load(std::string(user_data));
        CloudConfig out;
        if (!doc || doc.IsNull()) return out;
        if (!doc.IsMap()) throw std::invalid_argument("the document must be a mapping");
        for (const auto& kv : doc) {
            std::string module = kv.first.as<std::string>();
            if (module != "write_files" && module != "runcmd" && module != "bootcmd")
                out.skipped.push_back(module);
        }
        if (auto files = doc["write_files"]) {
            if (!files.IsSequence()) throw std::invalid_argument("write_files must be a list");
            for (const auto& f : files) {
                if (!f.IsMap() || !f["path"])
                    throw std::invalid_argument("write_files: each entry needs a path");
                CloudConfig::File file;
                file.path = relative_path(f["path"].as<std::string>());
                file.content = f["content"] ? f["content"].as<std::string>() : "";
                std::string encoding =
                    f["encoding"] ? f["encoding"].as<std::string>() : "text/plain";
                if (encoding == "b64" || encoding == "base64") {
                    std::string compact;
                    for (char c : file.content)
                        if (c != '\n' && c != '\r' && c != ' ') compact += c;
                    auto decoded = base64_decode(compact);
                    if (!decoded)
                        throw std::invalid_argument("write_files: " + file.path +
                                                    ": content is not base64");
                    file.content = *decoded;
                } else if (encoding != "text/plain") {
                    throw std::invalid_argument("write_files: unsupported encoding " + encoding);
                }
                file.mode = permissions(f["permissions"]);
                file.append = f["append"] && f["append"].as<bool>();
                out.files.push_back(std::move(file));
            }
        }
        out.bootcmd = commands(doc["bootcmd"], "bootcmd");
        out.runcmd = commands(doc["runcmd"], "runcmd");
        return out;
    } catch (const std::exception& e) {
        // yaml-cpp's exceptions (a parse error, DeepRecursion, a bad conversion) and the shape
        // checks above alike.
        error = e.what();
        return std::nullopt;
    }
}

std::string cloud_config_script(const CloudConfig& config) {
    std::string s = "#!/bin/sh\n# Generated by fogbank from the instance's #cloud-config.\n";
    for (auto& m : config.skipped)
        s += "echo " + quoted("cloud-config: module " + m + " is not run by fogbank") + "\n";
    for (auto& c : config.bootcmd)
        s += c + "\n";
    for (auto& c : config.runcmd)
        s += c + "\n";
    return s;
}

}  // namespace fogbank::ec2
