#include "models/vision/content_classifier.hpp"

#include <opencv2/imgproc.hpp>

namespace fogbank::vision {

ContentClassifier::ContentClassifier(const ModelSpec& spec) : model_(spec, "nsfwjs") {}

ContentScores ContentClassifier::classify(const cv::Mat& bgr) {
    const ModelSpec& spec = model_.spec();
    cv::Mat small;
    cv::resize(bgr, small, cv::Size(spec.width, spec.height), 0, 0,
               bgr.cols > spec.width ? cv::INTER_AREA : cv::INTER_LINEAR);
    cv::Mat blob = cv::dnn::blobFromImage(small, 1.0 / 255.0, cv::Size(), cv::Scalar(), true);
    return probabilities_from<ContentScores>(model_.run(blob).front());
}

}  // namespace fogbank::vision
