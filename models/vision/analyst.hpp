// The vision worker's side of Rekognition: one analysis::Request on the image bytes it came
// with, run on the engine's models, answered as plain data (models/vision/analysis.hpp). Every
// failure is an answer too, never an exception: an image that does not decode, a model that
// cannot load, an allocation that fails.
#pragma once

#include <filesystem>
#include <string_view>

#include "models/vision/analysis.hpp"
#include "models/vision/engine.hpp"

namespace fogbank::vision {

class Analyst {
  public:
    Analyst(const std::filesystem::path& manifest, const std::filesystem::path& models_dir)
        : engine_(manifest, models_dir) {}
    analysis::Result run(const analysis::Request& request, std::string_view image);

  private:
    void analyse(const analysis::Request& request, const cv::Mat& bgr, analysis::Result& out);
    Engine engine_;
};

}  // namespace fogbank::vision
