#include "emulator/request_log.hpp"

#include <algorithm>
#include <array>

namespace fogbank {

void RequestLog::keep_body(std::string& out, std::string_view body, uint64_t size) const {
    out.clear();
    if (size == 0) return;
    if (body.empty()) {
        out.append("(").append(std::to_string(size)).append(" bytes, not kept)");
        return;
    }
    std::string_view head = body.substr(0, limits_.body_bytes);
    if (head.find('\0') != std::string_view::npos) {
        out.append("(").append(std::to_string(size)).append(" bytes, binary)");
        return;
    }
    out.append(head);
    if (size > head.size())
        out.append("\n(").append(std::to_string(size - head.size())).append(" more bytes)");
}

void RequestLog::add(const RequestView& v) {
    std::lock_guard lock(mu_);
    if (records_.empty()) {
        records_.resize(limits_.records);
        bodies_.resize(limits_.with_bodies);
    }
    uint64_t id = next_id_++;
    Record& r = records_[(id - 1) % limits_.records];
    r.id = id;
    r.time_ms = v.time_ms;
    r.service.assign(v.service);
    r.operation.assign(v.operation);
    r.account.assign(v.account);
    r.region.assign(v.region);
    r.method.assign(v.method);
    r.target.assign(v.target);
    r.request_id.assign(v.request_id);
    r.status = v.status;
    r.latency_ms = v.latency_ms;
    r.request_size = v.request_size;
    r.response_size = v.response_size;
    if (id - first_id_ >= limits_.records) first_id_ = id - limits_.records + 1;
    Bodies& b = bodies_[id % limits_.with_bodies];
    b.id = id;
    b.headers.clear();
    if (v.write_headers) v.write_headers(b.headers);
    keep_body(b.request, v.request_body, v.request_size);
    keep_body(b.response, v.response_body, v.response_size);
    waiting_.wake_all();
}

const RequestLog::Record* RequestLog::find(uint64_t id) const {
    if (id < first_id_ || id >= next_id_) return nullptr;
    return &records_[(id - 1) % limits_.records];
}

nlohmann::json RequestLog::summary(const Record& r) {
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
    uint64_t from = std::max(after + 1, first_id_);
    if (next_id_ - from > limit) from = next_id_ - limit;  // too far behind: the newest `limit`
    for (uint64_t id = from; id < next_id_; ++id)
        out.push_back(summary(*find(id)));
    if (out.empty() && waker) waiting_.add(waker);
    return out;
}

nlohmann::json RequestLog::detail(uint64_t id) const {
    std::lock_guard lock(mu_);
    const Record* r = find(id);
    if (!r) return nullptr;
    nlohmann::json d = summary(*r);
    d["request_size"] = r->request_size;
    d["response_size"] = r->response_size;
    const Bodies& b = bodies_[id % limits_.with_bodies];
    bool kept = b.id == id;
    d["bodies_kept"] = kept;
    d["request_headers"] = kept ? mask_secrets(b.headers) : "";
    d["request_body"] = kept ? mask_secrets(b.request) : "";
    d["response_body"] = kept ? mask_secrets(b.response) : "";
    return d;
}

uint64_t RequestLog::last_id() const {
    std::lock_guard lock(mu_);
    return next_id_ - 1;
}

void RequestLog::clear() {
    std::lock_guard lock(mu_);
    first_id_ = next_id_;
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
