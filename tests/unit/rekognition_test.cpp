// Rekognition's building blocks that need no model: the manifest and its calibrations, the
// label taxonomy, override rules, input validation, and the collections store.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "emulator/aws_error.hpp"
#include "emulator/database.hpp"
#include "models/vision/manifest.hpp"
#include "services/rekognition/collections.hpp"
#include "services/rekognition/face_detail.hpp"
#include "services/rekognition/label_taxonomy.hpp"
#include "services/rekognition/moderation.hpp"
#include "services/rekognition/overrides.hpp"
#include "services/rekognition/validation.hpp"
#include "tests/unit/error_code.hpp"

using nlohmann::json;
using namespace fogbank;
using fogbank::test_support::code_of;
using namespace fogbank::rekognition;
namespace fs = std::filesystem;

namespace {

fs::path write_temp(const std::string& name, const std::string& text) {
    fs::path p = fs::temp_directory_path() / ("fogbank-unit-" + name);
    std::ofstream(p) << text;
    return p;
}

}  // namespace

TEST(VisionManifest, CalibrationInterpolatesAndClamps) {
    vision::ModelSpec s;
    s.calibration = {{0.0f, 0.0f}, {0.25f, 55.0f}, {0.5f, 97.0f}, {1.0f, 99.9f}};
    EXPECT_FLOAT_EQ(s.calibrate(-1.0f), 0.0f);
    EXPECT_FLOAT_EQ(s.calibrate(0.25f), 55.0f);
    EXPECT_NEAR(s.calibrate(0.375f), 76.0f, 1e-4);
    EXPECT_FLOAT_EQ(s.calibrate(2.0f), 99.9f);
    // Descending values (distance -> similarity) interpolate the same way.
    vision::ModelSpec d;
    d.calibration = {{0.0f, 100.0f}, {0.5f, 90.0f}, {0.6f, 60.0f}};
    EXPECT_NEAR(d.calibrate(0.55f), 75.0f, 1e-4);
    vision::ModelSpec none;
    EXPECT_FLOAT_EQ(none.calibrate(0.42f), 42.0f);
}

TEST(VisionManifest, LoadsModelsAndChecksFiles) {
    fs::path dir = fs::temp_directory_path() / "fogbank-unit-models";
    fs::create_directories(dir);
    std::ofstream(dir / "m.onnx") << "abc";
    fs::path manifest = write_temp("manifest.yaml", R"(
models:
  objects:
    format: yolov5
    file: m.onnx
    sha256: ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    input: {width: 512, height: 256}
    views: [[1, 1.3, 1.0], [2, 1.0, 0.3]]
    classes: coco80
    calibration: [[0, 0], [1, 100]]
  wrong:
    format: db
    file: m.onnx
    sha256: 0000000000000000000000000000000000000000000000000000000000000000
  absent:
    format: db
    file: /nonexistent/model.onnx
)");
    auto m = vision::Manifest::load(manifest, dir);
    const auto& o = m.model("objects");
    EXPECT_EQ(o.file, dir / "m.onnx");
    EXPECT_EQ(o.width, 512);
    EXPECT_EQ(o.height, 256);
    EXPECT_EQ(o.classes, "coco80");
    ASSERT_EQ(o.views.size(), 2u);
    EXPECT_FLOAT_EQ(o.views[0][1], 1.3f);
    EXPECT_FLOAT_EQ(o.views[1][2], 0.3f);
    EXPECT_NO_THROW(vision::check_model_file(o));
    EXPECT_THROW(vision::check_model_file(m.model("wrong")), std::runtime_error);
    EXPECT_THROW(vision::check_model_file(m.model("absent")), std::runtime_error);
    EXPECT_THROW(m.model("nope"), std::runtime_error);
    EXPECT_THROW(vision::Manifest::load(dir / "missing.yaml", dir), std::runtime_error);
}

// FER-2013's seven expressions as Rekognition's emotion types, most likely first.
TEST(FaceDetail, EmotionsAndSmileFromExpressionProbabilities) {
    analysis::Emotions e;
    // angry, disgust, fear, happy, sad, surprise, neutral
    e.p = {0.02f, 0.01f, 0.02f, 0.80f, 0.05f, 0.0f, 0.10f};
    json out = emotions(e);
    ASSERT_EQ(out.size(), 7u);  // no CONFUSED: the network has no such class
    std::vector<std::string> types;
    for (const auto& x : out)
        types.push_back(x["Type"]);
    EXPECT_EQ(types, (std::vector<std::string>{"HAPPY", "CALM", "SAD", "ANGRY", "FEAR", "DISGUSTED",
                                               "SURPRISED"}));
    EXPECT_NEAR(out[0]["Confidence"].get<double>(), 80.0, 1e-3);
    EXPECT_NEAR(out[1]["Confidence"].get<double>(), 10.0, 1e-3);
    for (size_t i = 1; i < out.size(); ++i)
        EXPECT_GE(out[i - 1]["Confidence"].get<double>(), out[i]["Confidence"].get<double>());
    json s = smile(e);
    EXPECT_EQ(s["Value"], true);
    EXPECT_NEAR(s["Confidence"].get<double>(), 80.0, 1e-3);
    e.p = {0.1f, 0.0f, 0.0f, 0.3f, 0.0f, 0.0f, 0.6f};
    s = smile(e);
    EXPECT_EQ(s["Value"], false);
    EXPECT_NEAR(s["Confidence"].get<double>(), 70.0, 1e-3);
    EXPECT_EQ(emotions(e)[0]["Type"], "CALM");
}

// nsfwjs's five classes as Rekognition's top-level moderation categories.
TEST(Moderation, ClassifierProbabilitiesBecomeTopLevelLabels) {
    analysis::ContentScores s;
    // drawing, hentai, neutral, porn, sexy
    s.p = {0.05f, 0.10f, 0.05f, 0.60f, 0.20f};
    json out = moderation_answer(s, 0);
    EXPECT_EQ(out["ModerationModelVersion"], "7.0");
    ASSERT_EQ(out["ModerationLabels"].size(), 2u);
    const json& first = out["ModerationLabels"][0];
    EXPECT_EQ(first["Name"], "Explicit");  // porn and hentai together
    EXPECT_NEAR(first["Confidence"].get<double>(), 70.0, 1e-3);
    EXPECT_EQ(first["ParentName"], "");
    EXPECT_EQ(first["TaxonomyLevel"], 1);
    EXPECT_EQ(out["ModerationLabels"][1]["Name"], "Swimwear or Underwear");
    EXPECT_NEAR(out["ModerationLabels"][1]["Confidence"].get<double>(), 20.0, 1e-3);
    ASSERT_EQ(out["ContentTypes"].size(), 1u);
    EXPECT_EQ(out["ContentTypes"][0]["Name"], "Illustrated");
    EXPECT_NEAR(out["ContentTypes"][0]["Confidence"].get<double>(), 15.0, 1e-3);
    // MinConfidence keeps only what reaches it; a neutral photo answers nothing at 50.
    EXPECT_EQ(moderation_answer(s, 50)["ModerationLabels"].size(), 1u);
    EXPECT_TRUE(moderation_answer(s, 50)["ContentTypes"].empty());
    s.p = {0.01f, 0.0f, 0.97f, 0.01f, 0.01f};
    json safe = moderation_answer(s, 50);
    EXPECT_TRUE(safe["ModerationLabels"].empty());
    EXPECT_TRUE(safe["ContentTypes"].empty());
    EXPECT_EQ(safe["ModerationModelVersion"], "7.0");
}

TEST(LabelTaxonomy, CocoClassesBecomeRekognitionLabels) {
    const auto& car = label_for_class("coco80", 2);
    EXPECT_EQ(car.name, "Car");
    EXPECT_EQ(car.parents, (std::vector<std::string>{"Transportation", "Vehicle"}));
    EXPECT_EQ(car.category, "Vehicles and Automotive");
    EXPECT_EQ(label_for_class("coco80", 0).name, "Person");
    EXPECT_EQ(label_for_class("coco80", 16).name, "Dog");
    EXPECT_EQ(label_for_class("coco80", 79).name, "Toothbrush");
    EXPECT_THROW(label_for_class("coco80", 80), std::out_of_range);
    EXPECT_THROW(label_for_class("imagenet", 0), std::out_of_range);
    const LabelInfo* vehicle = ancestor_label("Vehicle");
    ASSERT_NE(vehicle, nullptr);
    EXPECT_EQ(vehicle->parents, std::vector<std::string>{"Transportation"});
    ASSERT_NE(ancestor_label("Transportation"), nullptr);
    EXPECT_TRUE(ancestor_label("Transportation")->parents.empty());
    EXPECT_EQ(ancestor_label("Car"), nullptr);  // a leaf, not an ancestor
    // Every ancestor any class names is known, with parents sorted.
    for (int i = 0; i < 80; ++i)
        for (const auto& p : label_for_class("coco80", i).parents) {
            const LabelInfo* a = ancestor_label(p);
            ASSERT_NE(a, nullptr) << p;
            EXPECT_TRUE(std::is_sorted(a->parents.begin(), a->parents.end())) << p;
        }
}

TEST(Overrides, MatchByKeyGlobShaAndOperation) {
    auto path = write_temp("overrides.yaml", R"(
overrides:
  - name: cars
    operation: DetectLabels
    key: "cars/*.jpg"
    response: {Labels: [{Name: Car, Confidence: 99.5}], Note: "007"}
  - sha256: ABCDEF
    response: {TextDetections: []}
)");
    auto o = Overrides::load(path);
    const OverrideRule* r = o.match("DetectLabels", "cars/red.jpg", "");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->name, "cars");
    EXPECT_EQ(r->response["Labels"][0]["Confidence"], 99.5);
    EXPECT_EQ(r->response["Note"], "007");  // quoted stays a string
    EXPECT_EQ(o.match("DetectText", "cars/red.jpg", ""), nullptr);
    EXPECT_EQ(o.match("DetectLabels", "trucks/red.jpg", ""), nullptr);
    r = o.match("DetectFaces", "", "abcdef");
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->name, "rule-1");
    EXPECT_THROW(Overrides::load(write_temp("bad1.yaml", "overrides: [{key: x}]")),
                 std::runtime_error);
    EXPECT_THROW(Overrides::load(write_temp(
                     "bad2.yaml", "overrides: [{operation: IndexFaces, key: x, response: {}}]")),
                 std::runtime_error);
}

TEST(Validation, MembersCheckedAsRekognitionChecksThem) {
    json in = {{"CollectionId", "my coll"}, {"Max", 0}, {"Min", 101.5}, {"Q", "MAYBE"}};
    EXPECT_EQ(code_of([&] { string_member(in, "CollectionId", "[a-zA-Z0-9_.\\-]+", 255, true); }),
              "ValidationException");
    EXPECT_EQ(code_of([&] { string_member(in, "Absent", nullptr, 10, true); }),
              "ValidationException");
    EXPECT_EQ(string_member(in, "Absent", nullptr, 10, false), std::nullopt);
    EXPECT_EQ(code_of([&] { integer_member(in, "Max", 1, 10); }), "ValidationException");
    EXPECT_EQ(code_of([&] { number_member(in, "Min", 0, 100); }), "ValidationException");
    EXPECT_EQ(code_of([&] { enum_member(in, "Q", {"NONE", "AUTO"}); }), "ValidationException");
    EXPECT_EQ(code_of([&] { string_member(in, "Max", nullptr, 10, true); }),
              "SerializationException");
    EXPECT_EQ(wire_name("CollectionId"), "collectionId");
}

TEST(Collections, StoreKeepsCollectionsAndFaceDescriptors) {
    Database db("");
    Collections c(db);
    CollectionKey k{"000000000000", "us-east-1", "people"};
    EXPECT_TRUE(c.create({k, 1000}));
    EXPECT_FALSE(c.create({k, 2000}));
    EXPECT_TRUE(c.create({{k.account, "eu-west-1", "people"}, 1}));  // regions are apart
    EXPECT_EQ(c.list(k.account, k.region, "", 10), std::vector<std::string>{"people"});

    analysis::Descriptor d{};
    for (size_t i = 0; i < d.size(); ++i)
        d[i] = static_cast<float>(i) / 128.0f - 0.5f;
    c.add_faces(
        k, {{"b-face", json{{"FaceId", "b-face"}}, d}, {"a-face", json{{"FaceId", "a-face"}}, {}}});
    EXPECT_EQ(c.get(k)->face_count, 2);
    auto faces = c.faces(k, "", 10);
    ASSERT_EQ(faces.size(), 2u);
    EXPECT_EQ(faces[0].face_id, "a-face");
    EXPECT_EQ(faces[1].descriptor, d);
    EXPECT_EQ(c.faces(k, "a-face", 10).size(), 1u);
    EXPECT_EQ(c.delete_faces(k, {"a-face", "nope"}), std::vector<std::string>{"a-face"});
    EXPECT_TRUE(c.drop(k));
    EXPECT_FALSE(c.get(k));
    EXPECT_FALSE(c.drop(k));
    EXPECT_TRUE(c.faces(k, "", 10).empty());
}
