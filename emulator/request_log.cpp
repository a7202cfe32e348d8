#include "emulator/request_log.hpp"

#include <algorithm>
#include <array>

namespace fogbank {

void RequestLog::add(RequestRecord r) {
    std::lock_guard lock(mu_);
    r.id = next_id_++;
    records_.push_back(std::move(r));
    if (records_.size() > limits_.records) records_.pop_front();
    // Only the newest keep their bodies: the one that just fell out of that window lets go.
    if (records_.size() > limits_.with_bodies) {
        auto& old = records_[records_.size() - 1 - limits_.with_bodies];
        std::string().swap(old.request_headers);
        std::string().swap(old.request_body);
        std::string().swap(old.response_body);
    }
    waiting_.wake_all();
}

nlohmann::json RequestLog::summary(const RequestRecord& r) {
    return {{"id", r.id},
            {"time", r.time_ms},
            {"service", r.service},
            {"operation", r.operation},
            {"account", r.account},
            {"region", r.region},
            {"method", r.method},
            {"target", mask_secrets(r.target)},
            {"status", r.status},
            {"latency_ms", r.latency_ms},
            {"request_id", r.request_id}};
}

nlohmann::json RequestLog::after(uint64_t after, size_t limit,
                                 const std::shared_ptr<Waker>& waker) {
    std::lock_guard lock(mu_);
    nlohmann::json out = nlohmann::json::array();
    // Ids are consecutive in the ring: the first one after `after` is found by arithmetic.
    size_t start = 0;
    if (!records_.empty() && after >= records_.front().id)
        start = static_cast<size_t>(after - records_.front().id + 1);
    if (start < records_.size() && records_.size() - start > limit)
        start = records_.size() - limit;  // too far behind: the newest `limit`
    for (size_t i = start; i < records_.size(); ++i)
        out.push_back(summary(records_[i]));
    if (out.empty() && waker) waiting_.add(waker);
    return out;
}

nlohmann::json RequestLog::detail(uint64_t id) const {
    std::lock_guard lock(mu_);
    if (records_.empty() || id < records_.front().id || id > records_.back().id) return nullptr;
    const RequestRecord& r = records_[static_cast<size_t>(id - records_.front().id)];
    nlohmann::json d = summary(r);
    d["request_size"] = r.request_size;
    d["response_size"] = r.response_size;
    d["request_headers"] = mask_secrets(r.request_headers);
    d["request_body"] = mask_secrets(r.request_body);
    d["response_body"] = mask_secrets(r.response_body);
    d["bodies_kept"] = id + limits_.with_bodies > records_.back().id;
    return d;
}

uint64_t RequestLog::last_id() const {
    std::lock_guard lock(mu_);
    return next_id_ - 1;
}

void RequestLog::clear() {
    std::lock_guard lock(mu_);
    records_.clear();
}

namespace {

constexpr std::string_view kMask = "****";

// Names whose values are secret, as they appear in AWS bodies and headers (case-sensitive
// JSON/XML member names; form and query names are matched the same way).
constexpr std::array<std::string_view, 12> kSecretNames = {
    "SecretAccessKey", "SessionToken",         "Password",  "KeyMaterial",          "PrivateKey",
    "X-Amz-Signature", "X-Amz-Security-Token", "Signature", "x-amz-security-token", "SecretString",
    "NewPassword",     "OldPassword"};

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// Whether `name` stands at `pos` as a whole name (not the tail or head of a longer one).
bool whole_name_at(std::string_view text, size_t pos, size_t len) {
    if (pos > 0 && is_name_char(text[pos - 1])) return false;
    return pos + len >= text.size() || !is_name_char(text[pos + len]);
}

// The end of the value that follows a name ending at `pos`, and where it begins; npos if the
// name is not followed by a value in one of the shapes we know.
std::pair<size_t, size_t> value_after(std::string_view text, size_t pos) {
    constexpr auto npos = std::string_view::npos;
    if (pos >= text.size()) return {npos, npos};
    char c = text[pos];
    if (c == '>') {  // XML: <Name>value</Name>
        size_t end = text.find('<', pos + 1);
        return {pos + 1, end == npos ? text.size() : end};
    }
    if (c == '=') {  // form, query string, or Authorization's Signature=
        size_t end = text.find_first_of("&,; \r\n", pos + 1);
        return {pos + 1, end == npos ? text.size() : end};
    }
    if (c == '"') {  // JSON: "Name": "value"
        size_t q = pos + 1;
        while (q < text.size() && (text[q] == ' ' || text[q] == ':'))
            ++q;
        if (q >= text.size() || text[q] != '"' || q == pos + 1) return {npos, npos};
        size_t end = q + 1;
        while (end < text.size() && text[end] != '"')
            end += text[end] == '\\' ? 2 : 1;
        return {q + 1, std::min(end, text.size())};
    }
    if (c == ':') {  // a header line: Name: value
        size_t begin = pos + 1;
        while (begin < text.size() && text[begin] == ' ')
            ++begin;
        size_t end = text.find_first_of("\r\n", begin);
        return {begin, end == npos ? text.size() : end};
    }
    return {npos, npos};
}

}  // namespace

std::string mask_secrets(std::string_view text) {
    std::string out(text);
    for (std::string_view name : kSecretNames) {
        size_t pos = 0;
        while ((pos = out.find(name, pos)) != std::string::npos) {
            size_t after = pos + name.size();
            if (!whole_name_at(out, pos, name.size())) {
                pos = after;
                continue;
            }
            auto [begin, end] = value_after(out, after);
            if (begin == std::string::npos || begin >= end) {
                pos = after;
                continue;
            }
            out.replace(begin, end - begin, kMask);
            pos = begin + kMask.size();
        }
    }
    return out;
}

}  // namespace fogbank
