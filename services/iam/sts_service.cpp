#include "services/iam/sts_service.hpp"

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/protocol/aws_query.hpp"

namespace fogbank::iam {

namespace {

constexpr std::string_view kStsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";

}  // namespace

Response StsService::handle(Request& req) {
    auto p = aws_query::params(req);
    std::string action = p.count("Action") ? p["Action"] : "";
    req.operation = action;
    aws_query::ResultDocument doc(action, kStsNamespace, req.request_id);
    using aws_query::add;
    if (action == "GetCallerIdentity") {
        add(doc.result, "UserId", req.access_key.empty() ? "AIDAFOGBANK" : req.access_key);
        add(doc.result, "Account", req.account);
        add(doc.result, "Arn", "arn:aws:iam::" + req.account + ":root");
        return doc.response();
    }
    if (action == "AssumeRole") {
        std::string role = p.count("RoleArn") ? p["RoleArn"] : "";
        std::string session = p.count("RoleSessionName") ? p["RoleSessionName"] : "";
        if (role.empty() || session.empty())
            throw AwsError("ValidationError",
                           std::string("1 validation error detected: Value null at '") +
                               (role.empty() ? "roleArn" : "roleSessionName") +
                               "' failed to satisfy constraint: Member must not be null",
                           400);
        int seconds = 3600;
        if (p.count("DurationSeconds")) {
            try {
                seconds = std::stoi(p["DurationSeconds"]);
            } catch (...) {
                seconds = 0;
            }
            if (seconds < 900 || seconds > 43200)
                throw AwsError("ValidationError",
                               "1 validation error detected: Value '" + p["DurationSeconds"] +
                                   "' at 'durationSeconds' failed to satisfy constraint: Member "
                                   "must have value between 900 and 43200",
                               400);
        }
        auto creds = doc.result.append_child("Credentials");
        // Keys of the role's account: calls made with them land there.
        std::string account = role.size() > 25 ? role.substr(13, 12) : req.account;
        add(creds, "AccessKeyId", account);
        add(creds, "SecretAccessKey", random_hex(20));
        add(creds, "SessionToken", random_hex(32));
        add(creds, "Expiration",
            format_iso8601_ms(now_ms() + std::chrono::seconds(seconds)).substr(0, 19) + "Z");
        auto user = doc.result.append_child("AssumedRoleUser");
        add(user, "AssumedRoleId", "AROAFOGBANK:" + session);
        std::string role_name = role.substr(role.rfind('/') + 1);
        add(user, "Arn", "arn:aws:sts::" + account + ":assumed-role/" + role_name + "/" + session);
        return doc.response();
    }
    throw AwsError("InvalidAction",
                   "Could not find operation " + action + " for version 2011-06-15", 400);
}

Response StsService::error_response(const AwsError& err, const RequestHead& head) const {
    return aws_query::error_response(err, err.code(), head, kStsNamespace);
}

}  // namespace fogbank::iam
