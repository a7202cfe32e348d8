#include "models/vision/engine.hpp"

#include <algorithm>
#include <stdexcept>

namespace fogbank::vision {

Engine::Engine(const std::filesystem::path& manifest, const std::filesystem::path& models_dir)
    : manifest_(Manifest::load(manifest, models_dir)) {}

Engine::~Engine() = default;

template <typename T>
T& Engine::load(std::unique_ptr<T>& model, const std::string& name) {
    std::lock_guard lock(load_mu_);
    if (!model) {
        try {
            model = std::make_unique<T>(manifest_.model(name));
            errors_.erase(name);
        } catch (const std::exception& e) {
            // Kept for /_fogbank/health; the next request tries again (a fetch may have run).
            errors_[name] = e.what();
            throw std::runtime_error(e.what());
        }
    }
    return *model;
}

std::vector<Detection> Engine::detect_objects(const cv::Mat& bgr, float min_score) {
    auto& m = load(objects_, "objects");
    return m.detect(bgr, min_score);
}

std::vector<Face> Engine::detect_faces(const cv::Mat& bgr) {
    auto& m = load(faces_, "face_landmarks");
    return m.detect(bgr);
}

Descriptor Engine::embed_face(const cv::Mat& bgr, const Face& face) {
    auto& m = load(embedder_, "face_embedding");
    return m.embed(bgr, face);
}

AgeGender Engine::face_attributes(const cv::Mat& bgr, const Face& face) {
    auto& m = load(attributes_, "face_attributes");
    return m.estimate(bgr, face);
}

Emotions Engine::face_emotions(const cv::Mat& bgr, const Face& face) {
    auto& m = load(emotions_, "face_emotions");
    return m.estimate(bgr, face);
}

ContentScores Engine::classify_content(const cv::Mat& bgr) {
    auto& m = load(content_, "moderation");
    return m.classify(bgr);
}

std::vector<TextLine> Engine::detect_text(const cv::Mat& bgr) {
    auto& detector = load(text_detector_, "text_detection");
    auto& recognizer = load(line_recognizer_, "text_recognition");
    auto& long_lines = load(text_reader_, "text_recognition_long");
    std::vector<TextLine> lines;
    for (const TextRegion& region : detector.detect(bgr)) {
        auto line = recognizer.fits(region) ? recognizer.read(bgr, region)
                                            : long_lines.read_line(bgr, region);
        if (line) lines.push_back(std::move(*line));
    }
    return join_rows(std::move(lines));
}

std::map<std::string, std::string> Engine::status() const {
    std::lock_guard lock(load_mu_);
    std::map<std::string, std::string> out;
    for (const auto& [name, spec] : manifest_.models())
        out[name] = "not loaded";
    if (objects_) out["objects"] = "loaded";
    if (faces_) out["face_landmarks"] = "loaded";
    if (embedder_) out["face_embedding"] = "loaded";
    if (attributes_) out["face_attributes"] = "loaded";
    if (emotions_) out["face_emotions"] = "loaded";
    if (content_) out["moderation"] = "loaded";
    if (text_detector_) out["text_detection"] = "loaded";
    if (line_recognizer_) out["text_recognition"] = "loaded";
    if (text_reader_) out["text_recognition_long"] = "loaded";
    for (const auto& [name, err] : errors_)
        out[name] = err;
    return out;
}

}  // namespace fogbank::vision
