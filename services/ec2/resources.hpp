// EC2 resources that are records only: security groups (with their rules) and key pairs, per
// account and region, kept in SQLite beside the instances. Stored and returned faithfully;
// nothing about networking or SSH is enforced.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "emulator/database.hpp"

namespace fogbank::ec2 {

class Resources {
  public:
    using json = nlohmann::json;
    explicit Resources(Database& db);

    // kind: "sg" or "key"; id: the group id or the key name.
    std::optional<json> get(const std::string& account, const std::string& region,
                            const std::string& kind, const std::string& id);
    std::vector<json> list(const std::string& account, const std::string& region,
                           const std::string& kind);
    // False (and nothing stored) when `id` exists already.
    bool create(const std::string& account, const std::string& region, const std::string& kind,
                const std::string& id, const json& doc);
    void update(const std::string& account, const std::string& region, const std::string& kind,
                const std::string& id, const std::function<void(json&)>& edit);
    bool remove(const std::string& account, const std::string& region, const std::string& kind,
                const std::string& id);
    void reset();

  private:
    static std::string key(const std::string& account, const std::string& region,
                           const std::string& kind, const std::string& id) {
        return account + "/" + region + "/" + kind + "/" + id;
    }
    void store(const std::string& key, const json& doc);

    Database& db_;
    std::mutex mu_;
    std::map<std::string, json> docs_;
};

}  // namespace fogbank::ec2
