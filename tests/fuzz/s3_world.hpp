// An S3 service on in-memory state, for the targets that drive S3's handlers.
#pragma once

#include <string>
#include <string_view>

#include "emulator/blob_store.hpp"
#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "services/s3/s3_service.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace fogbank::fuzz {

struct S3World {
    Config cfg;
    Database db{""};
    BlobStore blobs{{}};
    s3::S3Service s3{cfg, db, blobs};

    // Empty state and one bucket, "fuzz"; targets that need more add to it.
    void setup() {
        s3.reset();
        call("PUT /fuzz HTTP/1.1\r\n", "");
    }

    // `head` is the request line (and any fields), each ending in CRLF; Host is added.
    Response call(const std::string& head, std::string_view body) {
        auto req = request_for(s3, head + "Host: localhost\r\n", body, blobs.spool_dir());
        if (!req) return {};
        return handle(s3, *req);
    }
};

}  // namespace fogbank::fuzz
