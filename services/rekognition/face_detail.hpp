// A detected face as Rekognition describes it (FaceDetail / ComparedFace), from what the vision
// worker measured (models/vision/analysis.hpp): Landmarks by Rekognition's names from dlib's 68
// points, Pose and Quality as measured, and with Attributes ALL the age, gender and expression
// estimates and the eye and mouth openness from the landmarks' aspect ratios.
#pragma once

#include <nlohmann/json.hpp>

#include "models/vision/analysis.hpp"

namespace fogbank::rekognition {

// The pixel size of the image the worker analysed.
struct ImageSize {
    int width = 0, height = 0;
};
inline ImageSize size_of(const analysis::Result& r) {
    return {r.width, r.height};
}

// {Width, Height, Left, Top} of a box already relative to the image (0..1).
nlohmann::json relative_box(const analysis::Rect& box);
// The same for a box in pixels of an image of `image` size.
nlohmann::json bounding_box(const analysis::Rect& px, const ImageSize& image);
// Rekognition's 0-100 face confidence from the detector's margin.
float face_confidence(const analysis::Face& f);

// Whether an attribute list (DetectFaces' Attributes, IndexFaces' DetectionAttributes) asks for
// more than DEFAULT; each value must be one Rekognition knows (ValidationException).
bool wants_all(const nlohmann::json& in, const char* member);

// Rekognition's Emotions from the expression network's probabilities: every type the network
// measures (FER-2013 has no CONFUSED), most likely first, Confidence = probability x 100;
// neutral is Rekognition's CALM.
nlohmann::json emotions(const analysis::Emotions& e);
// Smile: {Value, Confidence} from the probability of a happy expression.
nlohmann::json smile(const analysis::Emotions& e);

// With the face's attribute estimates (asked for by Attributes ALL): every landmark and every
// attribute fogbank measures; without, Rekognition's DEFAULT set.
nlohmann::json face_detail(const analysis::Face& f, const ImageSize& image);
// CompareFaces' ComparedFace: BoundingBox, Confidence, Landmarks, Pose, Quality.
nlohmann::json compared_face(const analysis::Face& f, const ImageSize& image);

}  // namespace fogbank::rekognition
