// Who is asking, and (with auth.strict) whether they proved it. Identity always comes from the
// SigV4 credential: account from the access key, region from the scope. Verification covers
// header and presigned signatures, the payload hash, and hands the chunk-signature chain to
// the aws-chunked decoder for streaming uploads.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "emulator/aws_chunked.hpp"
#include "emulator/config.hpp"
#include "emulator/http_message.hpp"
#include "emulator/request_body.hpp"
#include "emulator/sigv2.hpp"
#include "emulator/sigv4.hpp"

namespace fogbank {

class Service;

// The per-request state of the check, between reading the head and reading the body.
struct AuthState {
    std::optional<SigV4Auth> auth;
    std::optional<SigV2Query> v2;       // legacy presigned URL
    std::optional<std::string> secret;  // strict mode: the caller's secret key
    std::string payload_claim;          // x-amz-content-sha256 (or UNSIGNED-PAYLOAD)
    bool signature_checked = false;
    bool streaming = false;  // aws-chunked framing on the body
    bool signed_chunks = false;
    bool want_sha256 = false;  // hash the decoded body
};

// The account an access key acts for: its configured account, else a 12-digit key names its
// own account, else the default account.
std::string account_for(const Config& cfg, const std::string& access_key);

// Credentials for a process fogbank runs on an account's behalf (a Lambda sandbox, an EC2
// instance): a configured key of that account, so that its calls land there and pass strict
// signature checks; else the account id itself as the key, which names the account.
struct ProcessCredentials {
    std::string access_key, secret_key;
};
ProcessCredentials credentials_for(const Config& cfg, const std::string& account);

class Authenticator {
  public:
    explicit Authenticator(const Config& cfg) : cfg_(cfg) {}

    // Parses the signature, fills head.account/region/access_key and, when strict, checks the
    // key, the clock and (when the payload hash is already known) the signature. Throws AwsError.
    AuthState begin(RequestHead& head, const Service& service) const;
    // The aws-chunked decoder this request's body needs, if any.
    std::unique_ptr<AwsChunkedDecoder> decoder(const AuthState& st) const;
    // After the body: payload hash claim and any signature that needed the body. Throws AwsError.
    void finish(const RequestHead& head, AuthState& st, const RequestBody& body,
                const Service& service) const;

  private:
    void verify_signature(const RequestHead& head, const AuthState& st, const Service& service,
                          std::string_view payload_hash) const;
    const Config& cfg_;
};

}  // namespace fogbank
