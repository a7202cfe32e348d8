#include "models/vision/face_measures.hpp"

#include <opencv2/calib3d.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace fogbank::vision {

namespace {

cv::Point2f mean_of(const Face& f, std::initializer_list<int> idx) {
    cv::Point2f sum(0, 0);
    for (int i : idx)
        sum += f.landmarks[static_cast<size_t>(i)];
    return sum * (1.0f / static_cast<float>(idx.size()));
}

}  // namespace

FaceMeasures measure(const cv::Mat& bgr, const Face& f) {
    FaceMeasures m;
    cv::Rect roi = cv::Rect(f.box) & cv::Rect(0, 0, bgr.cols, bgr.rows);
    if (roi.area() > 0) {
        cv::Mat gray, small, lap;
        cv::cvtColor(bgr(roi), gray, cv::COLOR_BGR2GRAY);
        m.brightness = static_cast<float>(cv::mean(gray)[0] / 255.0 * 100.0);
        // Sharpness: variance of the Laplacian at a fixed face size, so that it does not
        // depend on how large the face is in the photo.
        cv::resize(gray, small, cv::Size(128, 128), 0, 0, cv::INTER_AREA);
        cv::Laplacian(small, lap, CV_32F);
        cv::Scalar mu, sigma;
        cv::meanStdDev(lap, mu, sigma);
        double var = sigma[0] * sigma[0];
        m.sharpness = static_cast<float>(100.0 * (1.0 - std::exp(-var / 400.0)));
    }
    // Roll from the line between the eyes; yaw and pitch from a PnP fit of six landmarks to
    // a generic head model, with a pinhole camera whose focal length is the image width.
    cv::Point2f le = mean_of(f, {36, 37, 38, 39, 40, 41}),
                re = mean_of(f, {42, 43, 44, 45, 46, 47});
    m.roll = static_cast<float>(std::atan2(re.y - le.y, re.x - le.x) * 180.0 / CV_PI);
    std::vector<cv::Point3d> model = {{0.0, 0.0, 0.0},          {0.0, -330.0, -65.0},
                                      {-225.0, 170.0, -135.0},  {225.0, 170.0, -135.0},
                                      {-150.0, -150.0, -125.0}, {150.0, -150.0, -125.0}};
    std::vector<cv::Point2d> image;
    for (int i : {30, 8, 36, 45, 48, 54})
        image.emplace_back(f.landmarks[static_cast<size_t>(i)].x,
                           f.landmarks[static_cast<size_t>(i)].y);
    double focal = bgr.cols;
    cv::Mat camera =
        (cv::Mat_<double>(3, 3) << focal, 0, bgr.cols / 2.0, 0, focal, bgr.rows / 2.0, 0, 0, 1);
    cv::Mat rvec, tvec, rot;
    if (cv::solvePnP(model, image, camera, cv::Mat(), rvec, tvec, false, cv::SOLVEPNP_ITERATIVE)) {
        cv::Rodrigues(rvec, rot);
        // The model's y axis points up and the image's down: flip to read angles as a viewer.
        cv::Mat flip = (cv::Mat_<double>(3, 3) << 1, 0, 0, 0, -1, 0, 0, 0, -1);
        cv::Mat r = flip * rot;
        double pitch = std::atan2(r.at<double>(2, 1), r.at<double>(2, 2));
        double yaw = std::asin(std::clamp(-r.at<double>(2, 0), -1.0, 1.0));
        auto wrap = [](double deg) {
            while (deg > 90)
                deg -= 180;
            while (deg < -90)
                deg += 180;
            return deg;
        };
        m.pitch = static_cast<float>(wrap(pitch * 180.0 / CV_PI));
        m.yaw = static_cast<float>(wrap(yaw * 180.0 / CV_PI));
    }
    return m;
}

}  // namespace fogbank::vision
