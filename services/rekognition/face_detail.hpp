// A detected face as Rekognition describes it (FaceDetail / ComparedFace), measured from the
// detector's box and the 68 landmarks: Landmarks by Rekognition's names, Pose from a
// perspective-n-point fit of six landmarks to a generic head, Quality from the face's pixels,
// and with Attributes ALL the eye and mouth openness from the landmarks' aspect ratios.
#pragma once

#include <nlohmann/json.hpp>

#include <opencv2/core.hpp>

#include <optional>

#include "models/vision/face_attributes.hpp"
#include "models/vision/face_detector.hpp"
#include "models/vision/face_emotions.hpp"

namespace fogbank::rekognition {

// {Width, Height, Left, Top} of a box already relative to the image (0..1).
nlohmann::json relative_box(const cv::Rect2f& box);
// The same for a box in pixels of an image of `image` size.
nlohmann::json bounding_box(const cv::Rect2f& px, const cv::Size& image);
// Rekognition's 0-100 face confidence from the detector's margin.
float face_confidence(const vision::Face& f);

struct FaceMeasures {
    float brightness = 0, sharpness = 0;  // 0-100
    float roll = 0, yaw = 0, pitch = 0;   // degrees
};
FaceMeasures measure(const cv::Mat& bgr, const vision::Face& f);

// Whether an attribute list (DetectFaces' Attributes, IndexFaces' DetectionAttributes) asks for
// more than DEFAULT; each value must be one Rekognition knows (ValidationException).
bool wants_all(const nlohmann::json& in, const char* member);

// What the attribute networks estimate of one face, for Attributes ALL.
struct FaceEstimates {
    vision::AgeGender age_gender;
    vision::Emotions emotions;
};

// Rekognition's Emotions from the expression network's probabilities: every type the network
// measures (FER-2013 has no CONFUSED), most likely first, Confidence = probability x 100;
// neutral is Rekognition's CALM.
nlohmann::json emotions(const vision::Emotions& e);
// Smile: {Value, Confidence} from the probability of a happy expression.
nlohmann::json smile(const vision::Emotions& e);

// With `all` (carrying the face's estimates): every landmark and every attribute fogbank
// measures; without, Rekognition's DEFAULT set. `m` is measure(bgr, f).
nlohmann::json face_detail(const cv::Mat& bgr, const vision::Face& f, const FaceMeasures& m,
                           const std::optional<FaceEstimates>& all);
// CompareFaces' ComparedFace: BoundingBox, Confidence, Landmarks, Pose, Quality.
nlohmann::json compared_face(const cv::Mat& bgr, const vision::Face& f);

}  // namespace fogbank::rekognition
