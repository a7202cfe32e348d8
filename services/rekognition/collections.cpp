#include "services/rekognition/collections.hpp"

#include <cstring>
#include <mutex>

namespace fogbank::rekognition {

namespace {

using Lock = std::lock_guard<std::mutex>;

std::string pack(const analysis::Descriptor& d) {
    std::string out(sizeof(float) * d.size(), '\0');
    std::memcpy(out.data(), d.data(), out.size());
    return out;
}

analysis::Descriptor unpack(const std::string& bytes) {
    analysis::Descriptor d{};
    if (bytes.size() == sizeof(float) * d.size()) std::memcpy(d.data(), bytes.data(), bytes.size());
    return d;
}

FaceRecord read_face(Statement& s) {
    return FaceRecord{s.text(0), nlohmann::json::parse(s.text(1)), unpack(s.blob(2))};
}

}  // namespace

Collections::Collections(Database& db) : db_(db) {
    Lock lock(db_.mutex());
    db_.exec(R"sql(
        CREATE TABLE IF NOT EXISTS rekognition_collections (
            account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
            created_ms INTEGER NOT NULL, tags TEXT NOT NULL,
            PRIMARY KEY (account, region, id));
        CREATE TABLE IF NOT EXISTS rekognition_faces (
            account TEXT NOT NULL, region TEXT NOT NULL, collection TEXT NOT NULL,
            face_id TEXT NOT NULL, record TEXT NOT NULL, descriptor BLOB NOT NULL,
            PRIMARY KEY (account, region, collection, face_id));
        CREATE TABLE IF NOT EXISTS rekognition_face_crops (
            account TEXT NOT NULL, region TEXT NOT NULL, collection TEXT NOT NULL,
            face_id TEXT NOT NULL, jpeg BLOB NOT NULL,
            PRIMARY KEY (account, region, collection, face_id));
    )sql");
}

bool Collections::create(const CollectionRecord& c) {
    Lock lock(db_.mutex());
    db_.prepare(
           "INSERT OR IGNORE INTO rekognition_collections (account, region, id, created_ms, tags) "
           "VALUES (?,?,?,?,?)")
        .bind_all(c.key.account, c.key.region, c.key.id, c.created_ms, c.tags.dump())
        .run();
    return db_.changes() == 1;
}

std::optional<CollectionRecord> Collections::get(const CollectionKey& k) {
    Lock lock(db_.mutex());
    auto s = db_.prepare(
        "SELECT created_ms, tags, (SELECT count(*) FROM rekognition_faces f WHERE "
        "f.account=c.account AND f.region=c.region AND f.collection=c.id) "
        "FROM rekognition_collections c WHERE account=? AND region=? AND id=?");
    s.bind_all(k.account, k.region, k.id);
    if (!s.step()) return std::nullopt;
    return CollectionRecord{k, s.integer(0), nlohmann::json::parse(s.text(1)), s.integer(2)};
}

std::vector<std::string> Collections::list(const std::string& account, const std::string& region,
                                           const std::string& after, size_t limit) {
    Lock lock(db_.mutex());
    auto s = db_.prepare(
        "SELECT id FROM rekognition_collections WHERE account=? AND region=? AND id>? "
        "ORDER BY id LIMIT ?");
    s.bind_all(account, region, after, static_cast<int64_t>(limit));
    std::vector<std::string> out;
    while (s.step())
        out.push_back(s.text(0));
    return out;
}

bool Collections::drop(const CollectionKey& k) {
    Lock lock(db_.mutex());
    Transaction tx(db_);
    db_.prepare("DELETE FROM rekognition_collections WHERE account=? AND region=? AND id=?")
        .bind_all(k.account, k.region, k.id)
        .run();
    bool existed = db_.changes() == 1;
    db_.prepare("DELETE FROM rekognition_faces WHERE account=? AND region=? AND collection=?")
        .bind_all(k.account, k.region, k.id)
        .run();
    db_.prepare("DELETE FROM rekognition_face_crops WHERE account=? AND region=? AND collection=?")
        .bind_all(k.account, k.region, k.id)
        .run();
    tx.commit();
    return existed;
}

void Collections::set_tags(const CollectionKey& k, const nlohmann::json& tags) {
    Lock lock(db_.mutex());
    db_.prepare("UPDATE rekognition_collections SET tags=? WHERE account=? AND region=? AND id=?")
        .bind_all(tags.dump(), k.account, k.region, k.id)
        .run();
}

void Collections::add_faces(const CollectionKey& k, const std::vector<FaceRecord>& faces) {
    Lock lock(db_.mutex());
    Transaction tx(db_);
    for (const FaceRecord& f : faces) {
        auto s = db_.prepare(
            "INSERT INTO rekognition_faces (account, region, collection, face_id, record, "
            "descriptor) VALUES (?,?,?,?,?,?)");
        s.bind_all(k.account, k.region, k.id, f.face_id, f.face.dump());
        s.bind_blob(6, pack(f.descriptor));
        s.run();
        if (f.crop.empty()) continue;
        auto c = db_.prepare(
            "INSERT INTO rekognition_face_crops (account, region, collection, face_id, jpeg) "
            "VALUES (?,?,?,?,?)");
        c.bind_all(k.account, k.region, k.id, f.face_id);
        c.bind_blob(5, f.crop);
        c.run();
    }
    tx.commit();
}

std::vector<FaceRecord> Collections::faces(const CollectionKey& k, const std::string& after,
                                           size_t limit) {
    Lock lock(db_.mutex());
    auto s = db_.prepare(
        "SELECT face_id, record, descriptor FROM rekognition_faces WHERE account=? AND region=? "
        "AND collection=? AND face_id>? ORDER BY face_id LIMIT ?");
    s.bind_all(k.account, k.region, k.id, after, static_cast<int64_t>(limit));
    std::vector<FaceRecord> out;
    while (s.step())
        out.push_back(read_face(s));
    return out;
}

std::optional<FaceRecord> Collections::face(const CollectionKey& k, const std::string& face_id) {
    Lock lock(db_.mutex());
    auto s = db_.prepare(
        "SELECT face_id, record, descriptor FROM rekognition_faces WHERE account=? AND region=? "
        "AND collection=? AND face_id=?");
    s.bind_all(k.account, k.region, k.id, face_id);
    if (!s.step()) return std::nullopt;
    return read_face(s);
}

std::optional<std::string> Collections::crop(const CollectionKey& k, const std::string& face_id) {
    Lock lock(db_.mutex());
    auto s = db_.prepare(
        "SELECT jpeg FROM rekognition_face_crops WHERE account=? AND region=? AND collection=? "
        "AND face_id=?");
    s.bind_all(k.account, k.region, k.id, face_id);
    if (!s.step()) return std::nullopt;
    return s.blob(0);
}

std::vector<std::pair<std::string, analysis::Descriptor>> Collections::descriptors(
    const CollectionKey& k) {
    Lock lock(db_.mutex());
    auto s = db_.prepare(
        "SELECT face_id, descriptor FROM rekognition_faces WHERE account=? AND region=? AND "
        "collection=?");
    s.bind_all(k.account, k.region, k.id);
    std::vector<std::pair<std::string, analysis::Descriptor>> out;
    while (s.step())
        out.emplace_back(s.text(0), unpack(s.blob(1)));
    return out;
}

std::vector<std::string> Collections::delete_faces(const CollectionKey& k,
                                                   const std::vector<std::string>& face_ids) {
    Lock lock(db_.mutex());
    Transaction tx(db_);
    std::vector<std::string> deleted;
    for (const std::string& id : face_ids) {
        db_.prepare(
               "DELETE FROM rekognition_faces WHERE account=? AND region=? AND collection=? AND "
               "face_id=?")
            .bind_all(k.account, k.region, k.id, id)
            .run();
        if (db_.changes() == 1) deleted.push_back(id);
        db_.prepare(
               "DELETE FROM rekognition_face_crops WHERE account=? AND region=? AND "
               "collection=? AND face_id=?")
            .bind_all(k.account, k.region, k.id, id)
            .run();
    }
    tx.commit();
    return deleted;
}

void Collections::reset() {
    Lock lock(db_.mutex());
    db_.exec(
        "DELETE FROM rekognition_face_crops; DELETE FROM rekognition_faces; "
        "DELETE FROM rekognition_collections;");
}

}  // namespace fogbank::rekognition
