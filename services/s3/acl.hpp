// S3 access control lists. A bucket whose ownership controls say BucketOwnerEnforced (every new
// bucket, as on S3 since April 2023) has ACLs disabled: reads show the owner's FULL_CONTROL and
// any other ACL is refused with AccessControlListNotSupported. Under ObjectWriter or
// BucketOwnerPreferred, canned ACLs, x-amz-grant-* headers and AccessControlPolicy bodies are
// stored (the bucket's as a configuration document, an object's in its row), returned, and
// grant access to other accounts and to the AllUsers/AuthenticatedUsers groups, subject to the
// bucket's public access block.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "emulator/http_message.hpp"
#include "services/s3/store.hpp"

namespace fogbank::s3 {

struct AclGrant {
    std::string type;        // "CanonicalUser" or "Group"
    std::string id;          // CanonicalUser: the account
    std::string uri;         // Group: http://acs.amazonaws.com/groups/global/AllUsers, ...
    std::string permission;  // FULL_CONTROL, WRITE, WRITE_ACP, READ, READ_ACP
};

struct Acl {
    std::string owner;
    std::vector<AclGrant> grants;

    std::string to_json() const;
    static Acl from_json(const std::string& text);
    // Whether it grants anything to AllUsers or AuthenticatedUsers.
    bool is_public() const;
    // Whether `account` (anonymous: no account) holds `permission`, FULL_CONTROL included.
    // Public grants are skipped when `ignore_public` (IgnorePublicAcls).
    bool permits(bool anonymous, const std::string& account, std::string_view permission,
                 bool ignore_public) const;
};

// The owner's FULL_CONTROL and nothing else: what an ACL-less bucket or object reports.
Acl private_acl(const std::string& owner);

// Whether the bucket's ownership controls leave ACLs enabled (not BucketOwnerEnforced).
bool acls_enabled(const BucketRecord& b);

}  // namespace fogbank::s3
