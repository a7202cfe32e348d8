// The model manifest (models/manifest.yaml) as the server reads it: which file answers which
// operation, its checksum, its input size and the decoder its outputs need.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace fogbank::vision {

struct ModelSpec {
    std::string name;
    std::string format;  // the decoder: yolov5, dlib-resnet-descriptor, db, tesseract, ...
    std::filesystem::path file;
    std::string sha256;  // empty: not pinned
    int width = 0, height = 0;
    std::string classes;
    // (raw score, Rekognition confidence) points, ascending in score.
    std::vector<std::pair<float, float>> calibration;
    // yolov5: the views to run, each (input scale, zoom, max extent). Checked by the decoder
    // when the model loads.
    std::vector<std::array<float, 3>> views;

    // Interpolates the calibration; without one, score * 100.
    float calibrate(float score) const;
    // The most pixels along an image's longer side that any view looks at (a margin only
    // shrinks the image): scale x input width; 0 without views.
    uint32_t largest_view() const;
};

class Manifest {
  public:
    Manifest() = default;
    // Relative model files resolve against `models_dir`. Throws std::runtime_error.
    static Manifest load(const std::filesystem::path& manifest,
                         const std::filesystem::path& models_dir);
    // Throws std::runtime_error when the manifest has no such model.
    const ModelSpec& model(const std::string& name) const;
    const std::map<std::string, ModelSpec>& models() const { return models_; }
    const std::filesystem::path& path() const { return path_; }

  private:
    std::filesystem::path path_;
    std::map<std::string, ModelSpec> models_;
};

// Throws std::runtime_error unless the file exists and, when pinned, has that SHA-256.
void check_model_file(const ModelSpec& spec);
// The file's bytes, checked as check_model_file does; one of at most kMaxModelBytes.
inline constexpr size_t kMaxModelBytes = size_t{1} << 30;
std::string read_model_file(const ModelSpec& spec);

}  // namespace fogbank::vision
