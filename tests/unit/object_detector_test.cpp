// YOLOv5's head decoding and the merge of detections, on heads written by hand: where a cell's
// logits put a box, which class it names, and which of several boxes on one object survive.
#include <gtest/gtest.h>

#include <vector>

#include "models/vision/object_detector.hpp"

using fogbank::vision::decode_yolov5;
using fogbank::vision::Detection;
using fogbank::vision::merge_detections;
using fogbank::vision::ModelSpec;
using fogbank::vision::ObjectDetector;

namespace {

constexpr int kClasses = 80;
constexpr int kPerAnchor = 5 + kClasses;

// A head of `cells` x `cells` whose every logit says "nothing here".
cv::Mat empty_head(int cells) {
    int dims[] = {1, 3 * kPerAnchor, cells, cells};
    return cv::Mat(4, dims, CV_32F, cv::Scalar(-20.0f));
}

void set(cv::Mat& head, int anchor, int channel, int y, int x, float logit) {
    const int cells = head.size[2];
    float* p = head.ptr<float>();
    p[((static_cast<size_t>(anchor) * kPerAnchor + channel) * cells + y) * cells + x] = logit;
}

// A sure object of `cls` at cell (y, x) whose box is exactly its anchor, centred on the cell's
// centre (a logit of 0 is sigmoid 0.5: offset 0.5 cell, size 1x the anchor).
void object_at(cv::Mat& head, int anchor, int y, int x, int cls, float cls_logit = 20.0f) {
    for (int c = 0; c < 4; ++c)
        set(head, anchor, c, y, x, 0.0f);
    set(head, anchor, 4, y, x, 20.0f);
    set(head, anchor, 5 + cls, y, x, cls_logit);
}

std::vector<cv::Mat> heads_320() {
    return {empty_head(40), empty_head(20), empty_head(10)};
}

}  // namespace

TEST(Yolov5Decode, CellLogitsBecomeABoxOnTheImage) {
    auto heads = heads_320();
    // Stride 32 (the 10 x 10 head), anchor 2 (373 x 326), cell (y 4, x 5): centre (176, 144).
    object_at(heads[2], 2, 4, 5, 2);
    // The whole 320 px canvas is the image.
    auto found = decode_yolov5(heads, 320, cv::Rect(0, 0, 320, 320), 0.5f, 1.0f);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].class_id, 2);
    EXPECT_NEAR(found[0].score, 1.0f, 1e-3);
    // x from 176 - 186.5 (clamped to 0) to 320 (clamped), y from 144 - 163 to 307.
    EXPECT_NEAR(found[0].box.x, 0.0f, 1e-4);
    EXPECT_NEAR(found[0].box.width, 1.0f, 1e-4);
    EXPECT_NEAR(found[0].box.y, 0.0f, 1e-4);
    EXPECT_NEAR(found[0].box.y + found[0].box.height, 307.0f / 320, 1e-4);
}

TEST(Yolov5Decode, BoxesAreRelativeToWhereTheImageWasPlaced) {
    auto heads = heads_320();
    // Stride 8 (the 40 x 40 head), anchor 0 (10 x 13), cell (y 20, x 20): centre (164, 164).
    object_at(heads[0], 0, 20, 20, 16);
    // The image occupies 200 x 100 px of the canvas from (60, 110).
    auto found = decode_yolov5(heads, 320, cv::Rect(60, 110, 200, 100), 0.5f, 1.0f);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].class_id, 16);
    EXPECT_NEAR(found[0].box.x, (164 - 5 - 60) / 200.0f, 1e-4);
    EXPECT_NEAR(found[0].box.y, (164 - 6.5f - 110) / 100.0f, 1e-4);
    EXPECT_NEAR(found[0].box.width, 10 / 200.0f, 1e-4);
    EXPECT_NEAR(found[0].box.height, 13 / 100.0f, 1e-4);
}

TEST(Yolov5Decode, HeadsInAnyOrderAndTheScoreIsObjectnessTimesClass) {
    auto heads = heads_320();
    object_at(heads[1], 1, 3, 3, 7, 0.0f);  // class probability 0.5
    std::vector<cv::Mat> shuffled = {heads[2], heads[1], heads[0]};
    auto found = decode_yolov5(shuffled, 320, cv::Rect(0, 0, 320, 320), 0.3f, 1.0f);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NEAR(found[0].score, 0.5f, 1e-3);
    // Below the threshold asked for, nothing.
    EXPECT_TRUE(decode_yolov5(shuffled, 320, cv::Rect(0, 0, 320, 320), 0.6f, 1.0f).empty());
}

TEST(Yolov5Decode, AViewKeepsOnlyWhatIsSmallerThanItsExtent) {
    auto heads = heads_320();
    object_at(heads[2], 2, 4, 5, 2);    // spans the image
    object_at(heads[0], 0, 20, 20, 0);  // 10 x 13 px of 320
    auto found = decode_yolov5(heads, 320, cv::Rect(0, 0, 320, 320), 0.5f, 0.3f);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].class_id, 0);
}

TEST(Yolov5Decode, MalformedHeadsAreIgnored) {
    int dims[] = {1, 100, 10, 10};  // not 3 x (5 + classes) channels
    std::vector<cv::Mat> heads = {cv::Mat(4, dims, CV_32F, cv::Scalar(20.0f)), cv::Mat()};
    EXPECT_TRUE(decode_yolov5(heads, 320, cv::Rect(0, 0, 320, 320), 0.1f, 1.0f).empty());
}

TEST(MergeDetections, OneObjectOneBoxOneName) {
    std::vector<Detection> found = {
        {17, 0.80f, 0, cv::Rect2f(0.10f, 0.10f, 0.40f, 0.40f)},  // a horse
        {17, 0.60f, 0, cv::Rect2f(0.12f, 0.11f, 0.40f, 0.40f)},  // the same horse again
        {19, 0.65f, 0, cv::Rect2f(0.11f, 0.10f, 0.40f, 0.40f)},  // named a cow, less surely
        {17, 0.70f, 0, cv::Rect2f(0.60f, 0.50f, 0.30f, 0.30f)},  // another horse
        {0, 0.74f, 0, cv::Rect2f(0.60f, 0.50f, 0.30f, 0.30f)},   // a rider: a near tie, kept
    };
    auto out = merge_detections(found);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].class_id, 17);
    EXPECT_FLOAT_EQ(out[0].score, 0.80f);
    EXPECT_EQ(out[1].class_id, 0);
    EXPECT_EQ(out[2].class_id, 17);
    EXPECT_FLOAT_EQ(out[2].score, 0.70f);
}

TEST(Yolov5Views, TheManifestsViewsAreChecked) {
    ModelSpec spec;
    spec.name = "objects";
    spec.width = spec.height = 320;
    spec.views = {{1, 1.3f, 1.0f}, {2, 1.0f, 0.3f}};
    auto views = ObjectDetector::views_of(spec);
    ASSERT_EQ(views.size(), 2u);
    EXPECT_EQ(views[1].scale, 2);
    EXPECT_FLOAT_EQ(views[0].zoom, 1.3f);
    EXPECT_FLOAT_EQ(views[1].max_extent, 0.3f);

    auto refused = [&](std::vector<std::array<float, 3>> v, int size = 320) {
        ModelSpec s = spec;
        s.views = std::move(v);
        s.width = s.height = size;
        EXPECT_THROW(ObjectDetector::views_of(s), std::runtime_error);
    };
    refused({});                                                       // none
    refused({{1.5f, 1, 1}});                                           // not a whole scale
    refused({{5, 1, 1}});                                              // too costly
    refused({{1, 0.5f, 1}});                                           // a crop, not a margin
    refused({{1, 1, 0}});                                              // keeps nothing
    refused({{1, 1, 1}}, 300);                                         // not a multiple of 32
    refused({{1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}});  // too many
}
