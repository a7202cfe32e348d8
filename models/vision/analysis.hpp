// What Rekognition asks of the vision worker and what it answers, as plain data: no OpenCV
// type crosses the process boundary. The server (services/rekognition) builds a request, the
// worker (models/vision/analyst.hpp) runs the models on the image and fills a result, and both
// sides use the codec here to put them in a frame (emulator/frame.hpp): the request's
// parameters and the result as JSON text, the image bytes as the frame's payload, untouched.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::analysis {

// A classifier's answer: one probability per class, indexed by the class's enum.
template <typename Class, size_t N>
struct ClassProbabilities {
    std::array<float, N> p{};  // by Class, summing to 1
    float of(Class c) const { return p[static_cast<size_t>(c)]; }
};

// Facial expressions, in the emotion network's order.
enum class Expression { kAngry, kDisgust, kFear, kHappy, kSad, kSurprise, kNeutral };
constexpr size_t kExpressions = 7;
using Emotions = ClassProbabilities<Expression, kExpressions>;

// Kinds of picture, in the content classifier's order.
enum class Content { kDrawing, kHentai, kNeutral, kPorn, kSexy };
constexpr size_t kContents = 5;
using ContentScores = ClassProbabilities<Content, kContents>;

struct AgeGender {
    float male = 0;   // probability, 0..1
    int age_low = 0;  // the 10th and 90th percentiles of the age distribution
    int age_high = 0;
};

// A face descriptor: two photos of one person lie ~0.4 apart (Euclidean); two people, 0.55-0.9.
using Descriptor = std::array<float, 128>;
float distance(const Descriptor& a, const Descriptor& b);

struct Point {
    float x = 0, y = 0;
};
struct Rect {
    float x = 0, y = 0, width = 0, height = 0;
};

struct Object {
    int class_id = 0;
    float confidence = 0;  // calibrated onto Rekognition's 0..100
    Rect box;              // relative to the image, 0..1
};

struct Face {
    Rect box;                         // pixels of the analysed image
    float score = 0;                  // the detector's margin; > 0 is a face
    std::array<Point, 68> landmarks;  // pixels, in dlib's (iBUG 300-W) order
    // From the face's pixels: 0-100 each.
    float brightness = 0, sharpness = 0;
    // Degrees.
    float roll = 0, yaw = 0, pitch = 0;
    std::optional<AgeGender> age_gender;   // when attributes were asked for
    std::optional<Emotions> emotions;      // likewise
    std::optional<Descriptor> descriptor;  // for the first `descriptors` faces
    std::string crop;                      // a small JPEG of the face, when asked for
};

struct Word {
    std::string text;
    float confidence = 0;       // 0..100
    std::array<Point, 4> quad;  // pixels
};

struct Line {
    std::string text;
    float confidence = 0;
    std::array<Point, 4> quad;
    std::vector<Word> words;
};

enum class Task { kObjects, kFaces, kText, kContent };

struct Request {
    Task task = Task::kObjects;
    // A JPEG may be decoded at 1/reduce of its size (1, 2, 4 or 8).
    int reduce = 1;
    float min_score = 0;  // objects: the detector's threshold
    // faces: at most this many, largest first (0: all); attributes for each; descriptors for
    // the first `descriptors`.
    size_t max_faces = 0;
    bool attributes = false;
    size_t descriptors = 0;
    // faces: a small JPEG of each face that gets a descriptor (what a collection shows).
    bool crops = false;
};

// What went wrong in the worker, as the server answers it.
enum class Failure {
    kNone,
    kInvalidImage,  // the bytes do not decode: InvalidImageFormatException
    kInternal,      // a model could not load, or anything else: InternalServerError
};

struct Result {
    Failure failure = Failure::kNone;
    std::string message;
    int width = 0, height = 0;  // of the analysed (possibly reduced) image
    std::vector<Object> objects;
    std::vector<Face> faces;
    std::vector<Line> lines;
    ContentScores content;
    // Per model: "loaded", or the error that stopped it loading (worker-wide, not per request).
    std::map<std::string, std::string> models;
};

nlohmann::json to_json(const Request& r);
nlohmann::json to_json(const Result& r);
// Throw std::runtime_error when the JSON is not a request or result (a worker that answers
// garbage is treated as broken, not trusted).
Request request_from(const nlohmann::json& j);
Result result_from(const nlohmann::json& j);

}  // namespace fogbank::analysis
