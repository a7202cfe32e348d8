// Face collections in SQLite: each collection's metadata, and per indexed face its record (as
// Rekognition returns it in ListFaces) and its 128-number descriptor. SQLite is the store
// itself here, in memory or in the data directory: a search reads a collection's descriptors
// straight from it, which at the collection sizes tests and pipelines use costs far less than
// the inference that produced the query. Beside each face, a small JPEG of it (what the
// console shows of a collection; fogbank's own, Rekognition keeps no image).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/database.hpp"
#include "models/vision/analysis.hpp"

namespace fogbank::rekognition {

struct CollectionKey {
    std::string account, region, id;
};

struct CollectionRecord {
    CollectionKey key;
    int64_t created_ms = 0;
    nlohmann::json tags = nlohmann::json::object();
    int64_t face_count = 0;
};

struct FaceRecord {
    std::string face_id;
    nlohmann::json face;  // {FaceId, BoundingBox, ImageId, ExternalImageId?, Confidence, ...}
    analysis::Descriptor descriptor{};
    std::string crop;  // JPEG; empty: none (faces indexed by older builds)
};

class Collections {
  public:
    explicit Collections(Database& db);

    bool create(const CollectionRecord& c);  // false: the id is taken
    std::optional<CollectionRecord> get(const CollectionKey& k);
    // Ids after `after`, in order, at most `limit`.
    std::vector<std::string> list(const std::string& account, const std::string& region,
                                  const std::string& after, size_t limit);
    bool drop(const CollectionKey& k);  // false: no such collection
    void set_tags(const CollectionKey& k, const nlohmann::json& tags);

    void add_faces(const CollectionKey& k, const std::vector<FaceRecord>& faces);
    // Faces after `after` in FaceId order, at most `limit`.
    std::vector<FaceRecord> faces(const CollectionKey& k, const std::string& after, size_t limit);
    std::optional<FaceRecord> face(const CollectionKey& k, const std::string& face_id);
    // The face's JPEG crop; nullopt when there is no such face or it has none.
    std::optional<std::string> crop(const CollectionKey& k, const std::string& face_id);
    // Every face's id and descriptor, without its record: what a search compares against.
    std::vector<std::pair<std::string, analysis::Descriptor>> descriptors(const CollectionKey& k);
    // The FaceIds that existed and are now gone.
    std::vector<std::string> delete_faces(const CollectionKey& k,
                                          const std::vector<std::string>& face_ids);
    void reset();

  private:
    Database& db_;
};

}  // namespace fogbank::rekognition
