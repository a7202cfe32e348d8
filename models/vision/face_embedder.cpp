#include "models/vision/face_embedder.hpp"

#include <dlib/image_transforms.h>
#include <dlib/opencv/cv_image.h>

#include <cmath>

namespace fogbank::vision {

FaceEmbedder::FaceEmbedder(const ModelSpec& spec) : model_(spec, "dlib-resnet-descriptor") {}

Descriptor FaceEmbedder::embed(const cv::Mat& bgr, const Face& face) {
    std::vector<dlib::point> parts;
    for (const auto& p : face.landmarks)
        parts.emplace_back(static_cast<long>(std::lround(p.x)),
                           static_cast<long>(std::lround(p.y)));
    dlib::rectangle rect(static_cast<long>(face.box.x), static_cast<long>(face.box.y),
                         static_cast<long>(face.box.x + face.box.width) - 1,
                         static_cast<long>(face.box.y + face.box.height) - 1);
    dlib::full_object_detection shape(rect, parts);
    dlib::cv_image<dlib::bgr_pixel> img(bgr);
    dlib::matrix<dlib::rgb_pixel> chip;
    dlib::extract_image_chip(img, dlib::get_face_chip_details(shape, model_.spec().width, 0.25),
                             chip);

    cv::Mat rgb(static_cast<int>(chip.nr()), static_cast<int>(chip.nc()), CV_8UC3,
                dlib::image_data(chip), dlib::width_step(chip));
    cv::Mat blob = cv::dnn::blobFromImage(rgb, 1.0, cv::Size(), cv::Scalar(), false, false);
    cv::Mat out = model_.run(blob).front();
    Descriptor d{};
    const float* p = out.ptr<float>();
    for (size_t i = 0; i < d.size(); ++i)
        d[i] = p[i];
    return d;
}

}  // namespace fogbank::vision
