// Collections and the faces in them: Create/Describe/List/DeleteCollection, IndexFaces,
// ListFaces, DeleteFaces, SearchFaces and SearchFacesByImage.
#include <algorithm>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/rekognition/backend.hpp"
#include "services/rekognition/face_detail.hpp"
#include "services/rekognition/validation.hpp"
#include "services/rekognition/wire_float.hpp"

namespace fogbank::rekognition {

namespace {

constexpr const char* kFaceModelVersion = "6.0";
constexpr const char* kCollectionIdPattern = "[a-zA-Z0-9_.\\-]+";
constexpr const char* kExternalImageIdPattern = "[a-zA-Z0-9_.\\-:]+";
constexpr const char* kFaceIdPattern =
    "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
constexpr int64_t kMaxIndexedFaces = 100;
constexpr size_t kListDefault = 1000;

std::string arn(const CollectionKey& k) {
    // Rekognition's collection ARNs really do lack the "arn:" prefix.
    return "aws:rekognition:" + k.region + ":" + k.account + ":collection/" + k.id;
}

AwsError no_collection(const std::string& id) {
    return AwsError("ResourceNotFoundException", "The collection id: " + id + " does not exist",
                    400);
}

// Why IndexFaces would leave a face out under a QualityFilter, or "" to index it.
std::string quality_reason(const std::string& filter, const analysis::Face& f) {
    if (filter == "NONE") return "";
    // AUTO and LOW are the lenient bar; MEDIUM and HIGH raise it.
    float min_side = 20, max_angle = 90, min_sharpness = 0;
    if (filter == "MEDIUM") min_side = 40, max_angle = 45, min_sharpness = 10;
    if (filter == "HIGH") min_side = 60, max_angle = 30, min_sharpness = 20;
    if (std::min(f.box.width, f.box.height) < min_side) return "SMALL_BOUNDING_BOX";
    if (f.score < 0) return "LOW_CONFIDENCE";
    if (std::fabs(f.yaw) > max_angle || std::fabs(f.pitch) > max_angle) return "EXTREME_POSE";
    if (f.sharpness < min_sharpness) return "LOW_SHARPNESS";
    return "";
}

}  // namespace

CollectionKey Backend::collection_key(const Caller& c, const json& in) {
    return {c.account, c.region,
            *string_member(in, "CollectionId", kCollectionIdPattern, 255, true)};
}

std::string Backend::face_crop(const Caller& caller, const json& in) {
    CollectionKey k = collection_key(caller, in);
    existing_collection(k);
    auto face_id = string_member(in, "FaceId", kFaceIdPattern, 36, true);
    auto jpeg = collections_.crop(k, *face_id);
    if (!jpeg)
        throw AwsError("ResourceNotFoundException",
                       "No face " + *face_id + " with an image in collection " + k.id, 400);
    return *jpeg;
}

CollectionRecord Backend::existing_collection(const CollectionKey& k) {
    auto c = collections_.get(k);
    if (!c) throw no_collection(k.id);
    return *c;
}

json Backend::create_collection(const Caller& caller, const json& in) {
    CollectionKey k = collection_key(caller, in);
    CollectionRecord c{k, now_ms().time_since_epoch().count()};
    if (auto tags = in.find("Tags"); tags != in.end() && !tags->is_null()) {
        if (!tags->is_object() || tags->size() > 200) throw invalid_parameter();
        c.tags = *tags;
    }
    if (!collections_.create(c))
        throw AwsError("ResourceAlreadyExistsException",
                       "The collection id: " + k.id + " already exists", 400);
    return {
        {"StatusCode", 200}, {"CollectionArn", arn(k)}, {"FaceModelVersion", kFaceModelVersion}};
}

json Backend::describe_collection(const Caller& caller, const json& in) {
    CollectionRecord c = existing_collection(collection_key(caller, in));
    return {{"FaceCount", c.face_count},
            {"FaceModelVersion", kFaceModelVersion},
            {"CollectionARN", arn(c.key)},
            {"CreationTimestamp", static_cast<double>(c.created_ms) / 1000.0},
            {"UserCount", 0}};
}

json Backend::list_collections(const Caller& caller, const json& in) {
    size_t limit =
        static_cast<size_t>(integer_member(in, "MaxResults", 0, 4096).value_or(kListDefault));
    std::string after = string_member(in, "NextToken", nullptr, 255, false).value_or("");
    auto ids = collections_.list(caller.account, caller.region, after, limit + 1);
    json out = {{"CollectionIds", json::array()}, {"FaceModelVersions", json::array()}};
    for (size_t i = 0; i < ids.size() && i < limit; ++i) {
        out["CollectionIds"].push_back(ids[i]);
        out["FaceModelVersions"].push_back(kFaceModelVersion);
    }
    if (ids.size() > limit && limit > 0) out["NextToken"] = ids[limit - 1];
    return out;
}

json Backend::delete_collection(const Caller& caller, const json& in) {
    CollectionKey k = collection_key(caller, in);
    if (!collections_.drop(k)) throw no_collection(k.id);
    return {{"StatusCode", 200}};
}

json Backend::index_faces(const Caller& caller, const json& in) {
    CollectionKey k = collection_key(caller, in);
    auto external = string_member(in, "ExternalImageId", kExternalImageIdPattern, 255, false);
    int64_t max_faces =
        integer_member(in, "MaxFaces", 1, kMaxIndexedFaces).value_or(kMaxIndexedFaces);
    std::string filter = enum_member(in, "QualityFilter", {"NONE", "AUTO", "LOW", "MEDIUM", "HIGH"})
                             .value_or("AUTO");
    bool all = wants_all(in, "DetectionAttributes");
    existing_collection(k);
    InputImage img = image(in, "Image");

    // Which faces are indexed is known only once each is measured, so every face comes with
    // its descriptor.
    analysis::Result found = faces(img, 0, all, SIZE_MAX, /*crops=*/true);
    std::string image_id = random_uuid();
    json records = json::array(), unindexed = json::array();
    std::vector<FaceRecord> added;
    for (const auto& f : found.faces) {
        std::string reason = static_cast<int64_t>(added.size()) >= max_faces
                                 ? "EXCEEDS_MAX_FACES"
                                 : quality_reason(filter, f);
        json detail = face_detail(f, size_of(found));
        if (!reason.empty()) {
            unindexed.push_back({{"Reasons", json::array({reason})}, {"FaceDetail", detail}});
            continue;
        }
        json face = {{"FaceId", random_uuid()},
                     {"BoundingBox", detail["BoundingBox"]},
                     {"ImageId", image_id},
                     {"Confidence", detail["Confidence"]}};
        if (external) face["ExternalImageId"] = *external;
        added.push_back({face["FaceId"], face, descriptor_of(f), f.crop});
        records.push_back({{"Face", face}, {"FaceDetail", detail}});
    }
    for (auto& r : added)
        r.face["IndexFacesModelVersion"] = kFaceModelVersion;
    // The collection may have been deleted while the faces were analysed.
    existing_collection(k);
    collections_.add_faces(k, added);
    return {{"FaceRecords", records},
            {"FaceModelVersion", kFaceModelVersion},
            {"UnindexedFaces", unindexed}};
}

json Backend::list_faces(const Caller& caller, const json& in) {
    CollectionKey k = collection_key(caller, in);
    size_t limit =
        static_cast<size_t>(integer_member(in, "MaxResults", 0, 4096).value_or(kListDefault));
    std::string after = string_member(in, "NextToken", nullptr, 255, false).value_or("");
    existing_collection(k);
    auto faces = collections_.faces(k, after, limit + 1);
    json out = {{"Faces", json::array()}, {"FaceModelVersion", kFaceModelVersion}};
    for (size_t i = 0; i < faces.size() && i < limit; ++i)
        out["Faces"].push_back(faces[i].face);
    if (faces.size() > limit && limit > 0) out["NextToken"] = faces[limit - 1].face_id;
    return out;
}

json Backend::delete_faces(const Caller& caller, const json& in) {
    CollectionKey k = collection_key(caller, in);
    auto it = in.find("FaceIds");
    if (it == in.end() || it->is_null()) throw missing_member("FaceIds");
    if (!it->is_array() || it->empty() || it->size() > 4096)
        throw validation_error(
            "1 validation error detected: Value at 'faceIds' failed to satisfy constraint: "
            "Member must have length less than or equal to 4096 and greater than or equal to 1");
    std::vector<std::string> ids;
    for (const auto& v : *it) {
        json wrapper = {{"FaceIds", v}};
        ids.push_back(*string_member(wrapper, "FaceIds", kFaceIdPattern, 36, true));
    }
    existing_collection(k);
    auto deleted = collections_.delete_faces(k, ids);
    json out = {{"DeletedFaces", deleted}, {"UnsuccessfulFaceDeletions", json::array()}};
    for (const auto& id : ids)
        if (std::find(deleted.begin(), deleted.end(), id) == deleted.end())
            out["UnsuccessfulFaceDeletions"].push_back(
                {{"FaceId", id}, {"Reasons", json::array({"FACE_NOT_FOUND"})}});
    return out;
}

Backend::SearchOptions Backend::search_options(const json& in) {
    SearchOptions opt;
    if (auto t = number_member(in, "FaceMatchThreshold", 0, 100))
        opt.threshold = static_cast<float>(*t);
    if (auto m = integer_member(in, "MaxFaces", 1, 4096)) opt.max_faces = static_cast<size_t>(*m);
    return opt;
}

json Backend::search(const CollectionKey& k, const analysis::Descriptor& probe,
                     const SearchOptions& opt, const std::string& exclude_face_id) {
    struct Match {
        float similarity;
        std::string face_id;
    };
    std::vector<Match> matches;
    for (auto& [face_id, descriptor] : collections_.descriptors(k)) {
        if (face_id == exclude_face_id) continue;
        float sim = similarity(analysis::distance(probe, descriptor));
        if (sim >= opt.threshold) matches.push_back({sim, std::move(face_id)});
    }
    std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
        if (a.similarity != b.similarity) return a.similarity > b.similarity;
        return a.face_id < b.face_id;
    });
    if (matches.size() > opt.max_faces) matches.resize(opt.max_faces);
    // Only the matches' records are read back.
    json out = json::array();
    for (const auto& m : matches) {
        auto record = collections_.face(k, m.face_id);
        if (!record) continue;  // deleted since the descriptors were read
        json face = std::move(record->face);
        face.erase("IndexFacesModelVersion");
        out.push_back({{"Similarity", wire_float(m.similarity)}, {"Face", std::move(face)}});
    }
    return out;
}

json Backend::search_faces(const Caller& caller, const json& in) {
    CollectionKey k = collection_key(caller, in);
    std::string face_id = *string_member(in, "FaceId", kFaceIdPattern, 36, true);
    SearchOptions opt = search_options(in);
    existing_collection(k);
    auto face = collections_.face(k, face_id);
    if (!face)
        throw invalid_parameter("Face with ID " + face_id + " does not exist in collection " +
                                k.id);
    return {{"SearchedFaceId", face_id},
            {"FaceMatches", search(k, face->descriptor, opt, face_id)},
            {"FaceModelVersion", kFaceModelVersion}};
}

json Backend::search_faces_by_image(const Caller& caller, const json& in) {
    CollectionKey k = collection_key(caller, in);
    enum_member(in, "QualityFilter", {"NONE", "AUTO", "LOW", "MEDIUM", "HIGH"});
    SearchOptions opt = search_options(in);
    existing_collection(k);
    InputImage img = image(in, "Image");
    // The largest face is the one searched.
    analysis::Result found = faces(img, 1, false, 1);
    if (found.faces.empty())
        throw invalid_parameter("There are no faces in the image. Should be at least 1.");
    const analysis::Face& f = found.faces.front();
    const analysis::Descriptor& probe = descriptor_of(f);
    return {{"SearchedFaceBoundingBox", bounding_box(f.box, size_of(found))},
            {"SearchedFaceConfidence", wire_float(face_confidence(f))},
            {"FaceMatches", search(k, probe, opt, "")},
            {"FaceModelVersion", kFaceModelVersion}};
}

}  // namespace fogbank::rekognition
