// The vision worker's wire: frames (emulator/frame.hpp) and the analysis request and result
// codec (models/vision/analysis.hpp), both read back exactly and refusing what is malformed.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "emulator/frame.hpp"
#include "models/vision/analysis.hpp"

using namespace fogbank;
using nlohmann::json;

TEST(Frame, ReaderSplitsAStreamIntoFramesWhateverTheChunks) {
    std::string stream = frame_header(5, 3) + "hello" + std::string("\0\1\2", 3) +
                         frame_header(0, 0) + frame_header(2, 0) + "{}";
    for (size_t chunk : {1u, 3u, 7u, 1000u}) {
        FrameReader reader(64, 64);
        std::vector<Frame> frames;
        for (size_t at = 0; at < stream.size(); at += chunk) {
            ASSERT_TRUE(reader.feed(std::string_view(stream).substr(at, chunk)));
            while (auto f = reader.take())
                frames.push_back(std::move(*f));
        }
        ASSERT_EQ(frames.size(), 3u) << chunk;
        EXPECT_EQ(frames[0].meta, "hello");
        EXPECT_EQ(frames[0].payload, std::string("\0\1\2", 3));
        EXPECT_TRUE(frames[1].meta.empty() && frames[1].payload.empty());
        EXPECT_EQ(frames[2].meta, "{}");
        EXPECT_EQ(reader.pending(), 0u);
    }
}

TEST(Frame, AHeaderOverTheLimitsBreaksTheStream) {
    FrameReader meta_limit(4, 100);
    EXPECT_FALSE(meta_limit.feed(frame_header(5, 0) + "hello"));
    EXPECT_FALSE(meta_limit.take());
    EXPECT_FALSE(meta_limit.feed("more"));  // and stays broken
    FrameReader payload_limit(100, 2);
    EXPECT_TRUE(payload_limit.feed(frame_header(1, 1) + "ab"));
    ASSERT_TRUE(payload_limit.take());
    // The second frame's header arrives in two pieces and is judged once whole.
    EXPECT_TRUE(payload_limit.feed(frame_header(0, 3).substr(0, 5)));
    EXPECT_FALSE(payload_limit.feed(frame_header(0, 3).substr(5)));
    // A header claiming 4 GiB allocates nothing before it is refused.
    FrameReader huge(1 << 20, 1 << 20);
    EXPECT_FALSE(huge.feed(std::string("\xff\xff\xff\xff\xff\xff\xff\xff", 8)));
}

TEST(Analysis, RequestsAndResultsReadBackExactly) {
    analysis::Request r;
    r.task = analysis::Task::kFaces;
    r.reduce = 4;
    r.min_score = 0.05f;
    r.max_faces = 100;
    r.attributes = true;
    r.descriptors = 1;
    r.crops = true;
    auto back = analysis::request_from(json::parse(analysis::to_json(r).dump()));
    EXPECT_EQ(back.task, r.task);
    EXPECT_EQ(back.reduce, 4);
    EXPECT_EQ(back.min_score, 0.05f);
    EXPECT_EQ(back.max_faces, 100u);
    EXPECT_TRUE(back.attributes);
    EXPECT_EQ(back.descriptors, 1u);
    EXPECT_TRUE(back.crops);

    analysis::Result res;
    res.width = 640, res.height = 480;
    res.objects.push_back({2, 97.123456f, {0.1f, 0.2f, 0.3f, 0.4f}});
    analysis::Face f;
    f.box = {10.5f, 20.25f, 100.125f, 120.0f};
    f.score = 1.2345678f;
    for (size_t i = 0; i < f.landmarks.size(); ++i)
        f.landmarks[i] = {static_cast<float>(i) / 3.0f, static_cast<float>(i) * 1.1f};
    f.brightness = 55.5f, f.sharpness = 12.0f, f.roll = -3.0f, f.yaw = 1e-7f,
    f.pitch = std::nanf("");  // a failed pose fit stays a NaN
    f.age_gender = analysis::AgeGender{0.75f, 23, 31};
    f.emotions = analysis::Emotions{{0.1f, 0.2f, 0.3f, 0.1f, 0.1f, 0.1f, 0.1f}};
    analysis::Descriptor d;
    for (size_t i = 0; i < d.size(); ++i)
        d[i] = std::sin(static_cast<float>(i));
    f.descriptor = d;
    f.crop = std::string("\xff\xd8\xff\0jpeg", 8);  // bytes, NUL included
    res.faces.push_back(f);
    analysis::Face plain;
    res.faces.push_back(plain);
    res.lines.push_back({"HELLO WORLD", 98.5f, {}, {{"HELLO", 99.0f, {}}, {"WORLD", 98.0f, {}}}});
    res.content.p = {0.1f, 0.2f, 0.3f, 0.2f, 0.2f};
    res.models = {{"objects", "loaded"}, {"faces", "model file missing"}};

    auto got = analysis::result_from(json::parse(analysis::to_json(res).dump()));
    EXPECT_EQ(got.failure, analysis::Failure::kNone);
    EXPECT_EQ(got.width, 640);
    ASSERT_EQ(got.objects.size(), 1u);
    EXPECT_EQ(got.objects[0].confidence, 97.123456f);  // floats survive the text exactly
    EXPECT_EQ(got.objects[0].box.height, 0.4f);
    ASSERT_EQ(got.faces.size(), 2u);
    EXPECT_EQ(got.faces[0].box.y, 20.25f);
    EXPECT_EQ(got.faces[0].landmarks[67].x, f.landmarks[67].x);
    EXPECT_EQ(got.faces[0].yaw, 1e-7f);
    EXPECT_TRUE(std::isnan(got.faces[0].pitch));
    EXPECT_EQ(got.faces[0].age_gender->age_high, 31);
    EXPECT_EQ(got.faces[0].emotions->p, f.emotions->p);
    EXPECT_EQ(*got.faces[0].descriptor, d);
    EXPECT_EQ(got.faces[0].crop, f.crop);
    EXPECT_TRUE(got.faces[1].crop.empty());
    EXPECT_FALSE(got.faces[1].age_gender || got.faces[1].emotions || got.faces[1].descriptor);
    ASSERT_EQ(got.lines.size(), 1u);
    EXPECT_EQ(got.lines[0].words[1].text, "WORLD");
    EXPECT_EQ(got.content.p, res.content.p);
    EXPECT_EQ(got.models, res.models);

    analysis::Result failed;
    failed.failure = analysis::Failure::kInvalidImage;
    EXPECT_EQ(analysis::result_from(analysis::to_json(failed)).failure,
              analysis::Failure::kInvalidImage);
}

TEST(Analysis, MalformedAnswersAreRefused) {
    analysis::Result res;
    res.faces.emplace_back();
    json good = analysis::to_json(res);
    EXPECT_NO_THROW(analysis::result_from(good));
    auto refused = [&](auto change) {
        json j = good;
        change(j);
        EXPECT_THROW(analysis::result_from(j), std::runtime_error) << j.dump();
    };
    refused([](json& j) { j = json::array(); });
    refused([](json& j) { j.erase("faces"); });
    refused([](json& j) { j["failure"] = "exploded"; });
    refused([](json& j) { j["width"] = -1; });
    refused([](json& j) { j["width"] = 1.5; });
    refused([](json& j) { j["faces"][0]["landmarks"].erase(0); });
    refused([](json& j) { j["faces"][0]["box"] = "box"; });
    refused([](json& j) { j["faces"][0]["descriptor"] = json::array({1, 2, 3}); });
    refused([](json& j) { j["faces"][0]["crop"] = "not base64!"; });
    refused([](json& j) { j["faces"][0]["crop"] = 7; });
    refused([](json& j) { j["faces"][0]["crop"] = std::string(300 * 1024, 'A'); });
    refused([](json& j) { j["faces"][0]["age_gender"] = json::array({0.5, -1, 3}); });
    refused([](json& j) { j["content"] = json::array({1}); });
    refused([](json& j) { j["models"] = json::array(); });
    refused([](json& j) { j["lines"] = json::array({{{"text", 1}}}); });
    refused([](json& j) {
        j["objects"] = json::array({{{"class", -2}, {"confidence", 1}, {"box", {0, 0, 1, 1}}}});
    });

    json req = analysis::to_json(analysis::Request{});
    EXPECT_NO_THROW(analysis::request_from(req));
    for (auto [key, value] : std::vector<std::pair<std::string, json>>{{"task", "paint"},
                                                                       {"reduce", 3},
                                                                       {"reduce", 16},
                                                                       {"attributes", 1},
                                                                       {"max_faces", -1},
                                                                       {"min_score", "low"}}) {
        json j = req;
        j[key] = value;
        EXPECT_THROW(analysis::request_from(j), std::runtime_error) << j.dump();
    }
}

TEST(Analysis, DescriptorDistanceIsEuclidean) {
    analysis::Descriptor a{}, b{};
    b[0] = 3, b[1] = 4;
    EXPECT_FLOAT_EQ(analysis::distance(a, b), 5.0f);
    EXPECT_FLOAT_EQ(analysis::distance(b, b), 0.0f);
}
