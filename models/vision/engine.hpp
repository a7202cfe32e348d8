// The vision models behind Rekognition, loaded on first use. The engine lives in a vision
// worker (models/vision/analyst.hpp), which analyses one image at a time: how many images run
// at once is the worker pool's to bound (vision.workers), not the engine's.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "models/vision/content_classifier.hpp"
#include "models/vision/face_attributes.hpp"
#include "models/vision/face_detector.hpp"
#include "models/vision/face_embedder.hpp"
#include "models/vision/face_emotions.hpp"
#include "models/vision/line_recognizer.hpp"
#include "models/vision/manifest.hpp"
#include "models/vision/object_detector.hpp"
#include "models/vision/text_detector.hpp"
#include "models/vision/text_reader.hpp"

namespace fogbank::vision {

class Engine {
  public:
    // The manifest is read here; model files only when first needed.
    Engine(const std::filesystem::path& manifest, const std::filesystem::path& models_dir);
    ~Engine();

    // Each throws std::runtime_error when its model cannot be loaded.
    std::vector<Detection> detect_objects(const cv::Mat& bgr, float min_score);
    std::vector<Face> detect_faces(const cv::Mat& bgr);
    Descriptor embed_face(const cv::Mat& bgr, const Face& face);
    AgeGender face_attributes(const cv::Mat& bgr, const Face& face);
    Emotions face_emotions(const cv::Mat& bgr, const Face& face);
    ContentScores classify_content(const cv::Mat& bgr);
    std::vector<TextLine> detect_text(const cv::Mat& bgr);

    const Manifest& manifest() const { return manifest_; }
    // Per model: "not loaded", "loaded", or the error that stopped it loading.
    std::map<std::string, std::string> status() const;

  private:
    template <typename T>
    T& load(std::unique_ptr<T>& model, const std::string& name);

    Manifest manifest_;
    mutable std::mutex load_mu_;
    std::map<std::string, std::string> errors_;
    std::unique_ptr<ObjectDetector> objects_;
    std::unique_ptr<FaceDetector> faces_;
    std::unique_ptr<FaceEmbedder> embedder_;
    std::unique_ptr<FaceAttributes> attributes_;
    std::unique_ptr<FaceEmotions> emotions_;
    std::unique_ptr<ContentClassifier> content_;
    std::unique_ptr<TextDetector> text_detector_;
    std::unique_ptr<LineRecognizer> line_recognizer_;
    std::unique_ptr<TextReader> text_reader_;
};

}  // namespace fogbank::vision
