#include "emulator/sigv2.hpp"

#include <algorithm>
#include <map>

#include "emulator/aws_error.hpp"
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"

namespace fogbank {

namespace {
// Query parameters that are part of the SigV2 canonical resource.
constexpr const char* kSubresources[] = {"acl",
                                         "cors",
                                         "delete",
                                         "lifecycle",
                                         "location",
                                         "logging",
                                         "notification",
                                         "partNumber",
                                         "policy",
                                         "requestPayment",
                                         "response-cache-control",
                                         "response-content-disposition",
                                         "response-content-encoding",
                                         "response-content-language",
                                         "response-content-type",
                                         "response-expires",
                                         "restore",
                                         "tagging",
                                         "torrent",
                                         "uploadId",
                                         "uploads",
                                         "versionId",
                                         "versioning",
                                         "versions",
                                         "website"};
}  // namespace

std::optional<SigV2Query> parse_sigv2_query(
    const std::vector<std::pair<std::string, std::string>>& query) {
    std::map<std::string, std::string> q;
    for (auto& [k, v] : query)
        if (k == "AWSAccessKeyId" || k == "Signature" || k == "Expires") q[k] = v;
    if (!q.count("AWSAccessKeyId") || !q.count("Signature")) return std::nullopt;
    SigV2Query out;
    out.access_key = q["AWSAccessKeyId"];
    out.signature = q["Signature"];
    try {
        out.expires = std::stoll(q["Expires"]);
    } catch (const std::exception&) {
        throw AwsError("AccessDenied",
                       "Query-string authentication requires the Signature, Expires and "
                       "AWSAccessKeyId parameters",
                       403);
    }
    return out;
}

std::string sigv2_signature(const RequestHead& head, const SigV2Query&, const std::string& secret) {
    std::string sts = head.method_name + "\n";
    sts += head.header("content-md5").value_or("") + "\n";
    sts += head.header("content-type").value_or("") + "\n";
    sts += head.query_param("Expires").value_or("") + "\n";
    std::map<std::string, std::string> amz;
    for (auto& f : head.headers) {
        auto name = to_lower(f.name_string());
        if (name.rfind("x-amz-", 0) != 0) continue;
        auto& v = amz[name];
        if (!v.empty()) v += ",";
        v += std::string(trim(f.value()));
    }
    for (auto& [k, v] : amz)
        sts += k + ":" + v + "\n";
    sts += uri_encode(head.path, true);
    std::vector<std::pair<std::string, std::string>> subs;
    for (auto& [k, v] : head.query)
        for (auto* s : kSubresources)
            if (k == s) subs.emplace_back(k, v);
    std::sort(subs.begin(), subs.end());
    for (size_t i = 0; i < subs.size(); ++i) {
        sts += i == 0 ? "?" : "&";
        sts += subs[i].first;
        if (!subs[i].second.empty()) sts += "=" + subs[i].second;
    }
    return base64_encode(hmac_sha1(secret, sts));
}

}  // namespace fogbank
