// PaddleOCR's recogniser output, decoded: greedy CTC and the O/0 settling of words.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "models/vision/line_recognizer.hpp"

using namespace fogbank;

// The recogniser's classes after conversion: 0 is CTC's blank, k > 0 is chr(31 + k).
TEST(LineRecognizer, GreedyCtcDecodingCollapsesRepeatsAndDropsBlanks) {
    auto klass = [](char c) { return c - 31; };
    // Steps: A A blank A B B space C, each step certain of its class but for one.
    std::vector<int> steps = {klass('A'), klass('A'), 0,          klass('A'),
                              klass('B'), klass('B'), klass(' '), klass('C')};
    cv::Mat p(static_cast<int>(steps.size()), 96, CV_32F, cv::Scalar(0.0f));
    for (int t = 0; t < p.rows; ++t)
        p.at<float>(t, steps[static_cast<size_t>(t)]) = 0.9f;
    p.at<float>(7, klass('C')) = 0.6f;
    p.at<float>(7, klass('G')) = 0.3f;  // a runner-up never wins
    auto chars = vision::LineRecognizer::decode(p);
    std::string text;
    for (const auto& c : chars)
        text += c.ch;
    EXPECT_EQ(text, "AAB C");  // a blank between two A's keeps both; repeats collapse
    ASSERT_EQ(chars.size(), 5u);
    EXPECT_EQ(chars[0].first_step, 0);
    EXPECT_EQ(chars[0].last_step, 1);
    EXPECT_EQ(chars[2].first_step, 4);
    EXPECT_EQ(chars[2].last_step, 5);
    EXPECT_FLOAT_EQ(chars[4].confidence, 0.6f);
    auto settled = [](std::string w) {
        vision::LineRecognizer::settle_zeros(w);
        return w;
    };
    EXPECT_EQ(settled("H0URS"), "HOURS");
    EXPECT_EQ(settled("INV0ICE"), "INVOICE");
    EXPECT_EQ(settled("2O41"), "2041");
    EXPECT_EQ(settled("99.95"), "99.95");
    EXPECT_EQ(settled("AY0-9034"), "AY0-9034");  // letters and other digits: as read
    EXPECT_EQ(settled("NZO.6276"), "NZO.6276");
    EXPECT_EQ(settled("OPEN"), "OPEN");
    // All blank: nothing read.
    cv::Mat blank(4, 96, CV_32F, cv::Scalar(0.0f));
    blank.col(0).setTo(1.0f);
    EXPECT_TRUE(vision::LineRecognizer::decode(blank).empty());
}
