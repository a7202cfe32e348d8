#include "services/ec2/resources.hpp"

namespace fogbank::ec2 {

Resources::Resources(Database& db) : db_(db) {
    std::lock_guard dblock(db_.mutex());
    db_.exec("CREATE TABLE IF NOT EXISTS ec2_resources (key TEXT PRIMARY KEY, doc TEXT NOT NULL)");
    auto s = db_.prepare("SELECT key, doc FROM ec2_resources");
    while (s.step())
        docs_[s.text(0)] = json::parse(s.text(1));
}

void Resources::store(const std::string& k, const json& doc) {
    std::lock_guard dblock(db_.mutex());
    db_.prepare("INSERT OR REPLACE INTO ec2_resources (key, doc) VALUES (?, ?)")
        .bind_all(k, doc.dump())
        .run();
}

std::optional<Resources::json> Resources::get(const std::string& account, const std::string& region,
                                              const std::string& kind, const std::string& id) {
    std::lock_guard lock(mu_);
    auto it = docs_.find(key(account, region, kind, id));
    if (it == docs_.end()) return std::nullopt;
    return it->second;
}

std::vector<Resources::json> Resources::list(const std::string& account, const std::string& region,
                                             const std::string& kind) {
    std::lock_guard lock(mu_);
    std::vector<json> out;
    std::string prefix = key(account, region, kind, "");
    for (auto it = docs_.lower_bound(prefix);
         it != docs_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
        out.push_back(it->second);
    return out;
}

bool Resources::create(const std::string& account, const std::string& region,
                       const std::string& kind, const std::string& id, const json& doc) {
    std::lock_guard lock(mu_);
    auto k = key(account, region, kind, id);
    if (docs_.count(k)) return false;
    docs_[k] = doc;
    store(k, doc);
    return true;
}

void Resources::update(const std::string& account, const std::string& region,
                       const std::string& kind, const std::string& id,
                       const std::function<void(json&)>& edit) {
    std::lock_guard lock(mu_);
    auto k = key(account, region, kind, id);
    auto it = docs_.find(k);
    if (it == docs_.end()) return;
    json copy = it->second;
    edit(copy);  // may throw: the stored document stays as it was
    it->second = std::move(copy);
    store(k, it->second);
}

bool Resources::remove(const std::string& account, const std::string& region,
                       const std::string& kind, const std::string& id) {
    std::lock_guard lock(mu_);
    auto k = key(account, region, kind, id);
    if (!docs_.erase(k)) return false;
    std::lock_guard dblock(db_.mutex());
    db_.prepare("DELETE FROM ec2_resources WHERE key=?").bind_all(k).run();
    return true;
}

void Resources::reset() {
    std::lock_guard lock(mu_);
    docs_.clear();
    std::lock_guard dblock(db_.mutex());
    db_.exec("DELETE FROM ec2_resources");
}

}  // namespace fogbank::ec2
