// Server-side copies (CopyObject, UploadPartCopy, CompleteMultipartUpload): bytes from open
// blobs into a new blob, hashed on the way so the copy never has to be read again.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "emulator/blob_store.hpp"
#include "emulator/checksums.hpp"

namespace fogbank::s3 {

struct CopySource {
    int fd;  // -1: read from `memory` instead (an inline object)
    uint64_t offset;
    uint64_t length;
    const std::string* memory = nullptr;
};

struct CopyResult {
    std::string blob_id;
    uint64_t size = 0;
    std::string md5;                                     // raw
    std::map<ChecksumAlgorithm, std::string> checksums;  // base64
};

// Writes the concatenation of `sources` to a new blob. On failure nothing is left behind.
CopyResult copy_to_new_blob(BlobStore& blobs, const std::vector<CopySource>& sources,
                            const std::vector<ChecksumAlgorithm>& algorithms);

}  // namespace fogbank::s3
