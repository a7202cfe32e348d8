#include "models/vision/manifest.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"

namespace fogbank::vision {

namespace fs = std::filesystem;

uint32_t ModelSpec::largest_view() const {
    uint32_t largest = 0;
    for (const auto& view : views)
        largest = std::max(largest, static_cast<uint32_t>(view[0] * static_cast<float>(width)));
    return largest;
}

float ModelSpec::calibrate(float score) const {
    if (calibration.empty()) return score * 100.0f;
    if (score <= calibration.front().first) return calibration.front().second;
    for (size_t i = 1; i < calibration.size(); ++i) {
        auto [x1, y1] = calibration[i];
        if (score <= x1) {
            auto [x0, y0] = calibration[i - 1];
            return y0 + (y1 - y0) * (score - x0) / (x1 - x0);
        }
    }
    return calibration.back().second;
}

Manifest Manifest::load(const fs::path& manifest, const fs::path& models_dir) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(manifest.string());
    } catch (const YAML::Exception& e) {
        throw std::runtime_error("model manifest " + manifest.string() + ": " + e.what());
    }
    Manifest m;
    m.path_ = manifest;
    for (const auto& entry : root["models"]) {
        ModelSpec s;
        s.name = entry.first.as<std::string>();
        const YAML::Node& node = entry.second;
        s.format = node["format"].as<std::string>("");
        fs::path file = node["file"].as<std::string>("");
        s.file = file.is_absolute() ? file : models_dir / file;
        if (node["sha256"] && !node["sha256"].IsNull()) s.sha256 = node["sha256"].as<std::string>();
        if (const auto& in = node["input"]) {
            s.width = in["width"].as<int>(0);
            s.height = in["height"].as<int>(0);
        }
        s.classes = node["classes"].as<std::string>("");
        for (const auto& point : node["calibration"])
            s.calibration.emplace_back(point[0].as<float>(), point[1].as<float>());
        for (const auto& v : node["views"])
            s.views.push_back({v[0].as<float>(), v[1].as<float>(), v[2].as<float>()});
        m.models_.emplace(s.name, std::move(s));
    }
    return m;
}

const ModelSpec& Manifest::model(const std::string& name) const {
    auto it = models_.find(name);
    if (it == models_.end())
        throw std::runtime_error("model manifest " + path_.string() + " has no model '" + name +
                                 "'");
    return it->second;
}

namespace {

// Reads the model's file through `sink`, a chunk at a time, and checks its digest when pinned.
template <typename Sink>
void read_checked(const ModelSpec& spec, Sink&& sink) {
    std::ifstream in(spec.file, std::ios::binary);
    if (!in)
        throw std::runtime_error("model " + spec.name + ": " + spec.file.string() +
                                 " is missing (run `fogbank models fetch`)");
    Digest d(Digest::Kind::sha256);
    std::string buf(1 << 20, '\0');
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        std::string_view chunk(buf.data(), static_cast<size_t>(in.gcount()));
        if (!spec.sha256.empty()) d.update(chunk);
        sink(chunk);
    }
    if (spec.sha256.empty()) return;
    std::string actual = to_hex(d.finish());
    if (actual != spec.sha256)
        throw std::runtime_error("model " + spec.name + ": " + spec.file.string() +
                                 " has SHA-256 " + actual + ", the manifest pins " + spec.sha256 +
                                 " (run `fogbank models fetch`)");
}

}  // namespace

void check_model_file(const ModelSpec& spec) {
    read_checked(spec, [](std::string_view) {});
}

std::string read_model_file(const ModelSpec& spec) {
    std::string bytes;
    read_checked(spec, [&](std::string_view chunk) {
        if (bytes.size() + chunk.size() > kMaxModelBytes)
            throw std::runtime_error("model " + spec.name + ": " + spec.file.string() +
                                     " is larger than fogbank reads");
        bytes.append(chunk);
    });
    return bytes;
}

}  // namespace fogbank::vision
