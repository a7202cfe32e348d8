// fogbank-vision: the worker process Rekognition's models run in (emulator/worker_pool.hpp). The
// server starts it on the first request that needs a model; it answers one framed request at a
// time on descriptor 3 and exits when the server closes that socket. Nothing it does (a decoder
// that crashes, a model that eats memory) can take the server down with it.
//
//   fogbank-vision --manifest models/manifest.yaml --models-dir models/data
#include <sys/stat.h>

#include <cstring>
#include <iostream>
#include <string>

#include "emulator/frame.hpp"
#include "emulator/json_reader.hpp"
#include "models/vision/analysis.hpp"
#include "models/vision/analyst.hpp"

namespace {

constexpr int kChannel = 3;
constexpr size_t kMaxRequestMeta = 64 * 1024;
// Rekognition's largest image (15 MB from S3) with room to spare.
constexpr size_t kMaxImage = 16 * 1024 * 1024;
constexpr size_t kMaxDepth = 8;

int usage() {
    std::cerr << "usage: fogbank-vision --manifest FILE --models-dir DIR\n"
                 "  (started by fogbank, which talks to it on descriptor 3)\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::string manifest, models_dir;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--manifest") == 0)
            manifest = argv[i + 1];
        else if (std::strcmp(argv[i], "--models-dir") == 0)
            models_dir = argv[i + 1];
        else
            return usage();
    }
    struct stat st {};
    if (manifest.empty() || models_dir.empty() || ::fstat(kChannel, &st) != 0 ||
        !S_ISSOCK(st.st_mode))
        return usage();

    std::unique_ptr<fogbank::vision::Analyst> analyst;
    std::string manifest_error;
    try {
        analyst = std::make_unique<fogbank::vision::Analyst>(manifest, models_dir);
    } catch (const std::exception& e) {
        // Answered to every request, so that the client sees why.
        manifest_error = e.what();
    }

    fogbank::FrameReader reader(kMaxRequestMeta, kMaxImage);
    for (;;) {
        auto frame = fogbank::receive_frame(kChannel, reader);
        if (!frame) return 0;  // the server is gone, or spoke nonsense: either way, stop
        fogbank::analysis::Result result;
        nlohmann::json meta;
        if (!manifest_error.empty()) {
            result.failure = fogbank::analysis::Failure::kInternal;
            result.message = manifest_error;
        } else if (fogbank::read_json(frame->meta, meta, kMaxDepth) != fogbank::JsonRead::ok) {
            return 3;
        } else {
            fogbank::analysis::Request request;
            try {
                request = fogbank::analysis::request_from(meta);
            } catch (const std::exception& e) {
                std::cerr << "fogbank-vision: " << e.what() << "\n";
                return 3;
            }
            result = analyst->run(request, frame->payload);
        }
        // Text a model read may not be UTF-8; it is replaced, not allowed to stop the worker.
        std::string answer = fogbank::analysis::to_json(result).dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
        if (!fogbank::send_frame(kChannel, answer, {},
                                 fogbank::FrameDeadline::clock::now() + std::chrono::hours(1)))
            return 0;
    }
}
