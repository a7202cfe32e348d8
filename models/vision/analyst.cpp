#include "models/vision/analyst.hpp"

#include <new>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "models/vision/face_measures.hpp"
#include "models/vision/image.hpp"

namespace fogbank::vision {

namespace {

analysis::Point point(const cv::Point2f& p) {
    return {p.x, p.y};
}

// A face as a collection shows it: its box with a fifth more around it, at most 112 pixels a
// side, as a JPEG.
std::string crop_jpeg(const cv::Mat& bgr, const cv::Rect2f& box) {
    cv::Rect2f grown(box.x - box.width * 0.1f, box.y - box.height * 0.1f, box.width * 1.2f,
                     box.height * 1.2f);
    cv::Rect area = cv::Rect(grown) & cv::Rect(0, 0, bgr.cols, bgr.rows);
    if (area.width < 2 || area.height < 2) return {};
    cv::Mat face = bgr(area);
    double scale = 112.0 / std::max(area.width, area.height);
    if (scale < 1) cv::resize(face, face, cv::Size(), scale, scale, cv::INTER_AREA);
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", face, jpeg, {cv::IMWRITE_JPEG_QUALITY, 85});
    return std::string(jpeg.begin(), jpeg.end());
}

analysis::Rect rect(const cv::Rect2f& r) {
    return {r.x, r.y, r.width, r.height};
}

template <size_t N>
std::array<analysis::Point, N> points(const std::array<cv::Point2f, N>& ps) {
    std::array<analysis::Point, N> out;
    for (size_t i = 0; i < N; ++i)
        out[i] = point(ps[i]);
    return out;
}

}  // namespace

void Analyst::analyse(const analysis::Request& request, const cv::Mat& bgr, analysis::Result& out) {
    using analysis::Task;
    switch (request.task) {
        case Task::kObjects:
            for (const Detection& d : engine_.detect_objects(bgr, request.min_score))
                out.objects.push_back({d.class_id, d.confidence, rect(d.box)});
            break;
        case Task::kFaces: {
            auto faces = engine_.detect_faces(bgr);
            if (request.max_faces && faces.size() > request.max_faces)
                faces.resize(request.max_faces);
            for (size_t i = 0; i < faces.size(); ++i) {
                const Face& f = faces[i];
                analysis::Face a;
                a.box = rect(f.box);
                a.score = f.score;
                a.landmarks = points(f.landmarks);
                FaceMeasures m = measure(bgr, f);
                a.brightness = m.brightness, a.sharpness = m.sharpness;
                a.roll = m.roll, a.yaw = m.yaw, a.pitch = m.pitch;
                if (request.attributes) {
                    a.age_gender = engine_.face_attributes(bgr, f);
                    a.emotions = engine_.face_emotions(bgr, f);
                }
                if (i < request.descriptors) {
                    a.descriptor = engine_.embed_face(bgr, f);
                    if (request.crops) a.crop = crop_jpeg(bgr, f.box);
                }
                out.faces.push_back(std::move(a));
            }
            break;
        }
        case Task::kText:
            for (const TextLine& l : engine_.detect_text(bgr)) {
                analysis::Line line{l.text, l.confidence, points(l.quad), {}};
                for (const Word& w : l.words)
                    line.words.push_back({w.text, w.confidence, points(w.quad)});
                out.lines.push_back(std::move(line));
            }
            break;
        case Task::kContent:
            out.content = engine_.classify_content(bgr);
            break;
    }
}

analysis::Result Analyst::run(const analysis::Request& request, std::string_view image) {
    analysis::Result out;
    try {
        cv::Mat bgr = decode_image(image, request.reduce);
        if (bgr.empty()) {
            out.failure = analysis::Failure::kInvalidImage;
        } else {
            out.width = bgr.cols;
            out.height = bgr.rows;
            analyse(request, bgr, out);
        }
    } catch (const std::bad_alloc&) {
        out = {};
        out.failure = analysis::Failure::kInternal;
        out.message = "The vision worker ran out of memory analysing the image.";
    } catch (const std::exception& e) {
        // A model that cannot load (not fetched, wrong checksum) says so; OpenCV's errors too.
        out = {};
        out.failure = analysis::Failure::kInternal;
        out.message = e.what();
    }
    for (const auto& [name, state] : engine_.status())
        if (state != "not loaded") out.models[name] = state;
    return out;
}

}  // namespace fogbank::vision
