// Rekognition's way to its models: a pool of fogbank-vision worker processes
// (emulator/worker_pool.hpp) that answer analysis requests (models/vision/analysis.hpp). The
// server links no vision library; a worker that crashes, hangs or outgrows its memory costs
// the one request it held (InternalServerError), and the next request starts another.
//
// The manifest is read here too, on first use: DetectLabels needs the detector's class list and
// views, the face searches the descriptor calibration.
#pragma once

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "emulator/config.hpp"
#include "emulator/worker_pool.hpp"
#include "models/vision/analysis.hpp"
#include "models/vision/manifest.hpp"

namespace fogbank::rekognition {

class VisionClient {
  public:
    explicit VisionClient(const Config& cfg);

    // Throws AwsError (InternalServerError) when the manifest cannot be read.
    const vision::Manifest& manifest() const;
    // Runs `request` on `image` in a worker. Throws AwsError: InvalidImageFormatException when
    // the image does not decode, InternalServerError when a model cannot load or the worker
    // failed, ThrottlingException when no worker can be started or none came free in time.
    analysis::Result analyse(const analysis::Request& request, std::string_view image);

    // {"models": {name: state}, "manifest": path, "workers": [...], "max_workers": n}; the
    // models are listed once the manifest has been read (the first image).
    nlohmann::json health() const;

  private:
    void record(pid_t worker, const std::map<std::string, std::string>& models);
    void forget(pid_t worker);

    const Config& cfg_;
    mutable std::mutex mu_;
    mutable std::unique_ptr<vision::Manifest> manifest_;
    std::map<pid_t, std::map<std::string, std::string>> reported_;  // by live worker
    std::map<std::string, std::string> last_error_;                 // by model
    WorkerPool pool_;
};

// A face's descriptor, which the worker was asked for; InternalServerError if it did not send it.
const analysis::Descriptor& descriptor_of(const analysis::Face& f);

// The worker executable: the configured one, else fogbank-vision beside this executable.
std::string vision_worker_path(const Config& cfg);

}  // namespace fogbank::rekognition
