#include "services/rekognition/vision_client.hpp"

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "emulator/aws_error.hpp"
#include "emulator/json_reader.hpp"

extern char** environ;

namespace fogbank::rekognition {

namespace {

constexpr size_t kMaxAnswerDepth = 8;

// The worker's environment: fogbank's own, and OpenMP's threads told to sleep rather than spin
// while they wait (unless the user said otherwise). Each worker's oneDNN runs a team of one
// thread per core; spinning teams of two workers on the same cores made four concurrent
// DetectLabels 2.7x slower than sleeping ones, and one at a time no faster.
std::map<std::string, std::string> worker_environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        std::string_view kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
    }
    env.emplace("OMP_WAIT_POLICY", "PASSIVE");
    return env;
}

AwsError internal(const std::string& message) {
    return AwsError("InternalServerError", message, 500);
}

}  // namespace

const analysis::Descriptor& descriptor_of(const analysis::Face& f) {
    if (!f.descriptor) throw internal("the vision worker sent a face without its descriptor");
    return *f.descriptor;
}

std::string vision_worker_path(const Config& cfg) {
    if (!cfg.vision_worker.empty()) return cfg.vision_worker;
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) return "fogbank-vision";  // on PATH, then
    return (self.parent_path() / "fogbank-vision").string();
}

VisionClient::VisionClient(const Config& cfg)
    : cfg_(cfg),
      pool_(WorkerPoolOptions{"vision",
                              {vision_worker_path(cfg), "--manifest", cfg.vision_manifest,
                               "--models-dir", cfg.vision_models_dir},
                              worker_environment(),
                              cfg.vision_workers
                                  ? cfg.vision_workers
                                  : std::max(1u, std::thread::hardware_concurrency()),
                              std::chrono::milliseconds(cfg.vision_request_timeout_ms),
                              std::chrono::milliseconds(cfg.vision_request_timeout_ms),
                              std::chrono::seconds(cfg.vision_idle_seconds),
                              cfg.vision_worker_memory_mib,
                              16 << 20,
                              0,
                              [this](pid_t pid) { forget(pid); }}) {}

const vision::Manifest& VisionClient::manifest() const {
    std::lock_guard lock(mu_);
    if (!manifest_) {
        try {
            manifest_ = std::make_unique<vision::Manifest>(
                vision::Manifest::load(cfg_.vision_manifest, cfg_.vision_models_dir));
        } catch (const std::exception& e) {
            throw internal(e.what());  // read again next time: the file may be fixed
        }
    }
    return *manifest_;
}

analysis::Result VisionClient::analyse(const analysis::Request& request, std::string_view image) {
    WorkerPool::Reply reply;
    try {
        reply = pool_.call(analysis::to_json(request).dump(), image);
    } catch (const WorkerFailure& e) {
        if (e.kind() == WorkerFailure::Kind::kUnavailable)
            throw AwsError("ThrottlingException",
                           std::string("Amazon Rekognition is temporarily unable to process the "
                                       "request: ") +
                               e.what() + ". Try your call again.",
                           500);
        throw internal(e.what());
    }
    nlohmann::json answer;
    analysis::Result result;
    try {
        if (read_json(reply.frame.meta, answer, kMaxAnswerDepth) != JsonRead::ok)
            throw std::runtime_error("the vision worker's answer is not JSON");
        result = analysis::result_from(answer);
    } catch (const std::exception& e) {
        throw internal(e.what());
    }
    record(reply.worker, result.models);
    switch (result.failure) {
        case analysis::Failure::kNone:
            break;
        case analysis::Failure::kInvalidImage:
            throw AwsError("InvalidImageFormatException", "Request has invalid image format", 400);
        case analysis::Failure::kInternal:
            throw internal(result.message);
    }
    return result;
}

void VisionClient::record(pid_t worker, const std::map<std::string, std::string>& models) {
    std::lock_guard lock(mu_);
    reported_[worker] = models;
    for (const auto& [name, state] : models) {
        if (state == "loaded")
            last_error_.erase(name);
        else
            last_error_[name] = state;
    }
}

void VisionClient::forget(pid_t worker) {
    std::lock_guard lock(mu_);
    reported_.erase(worker);
}

nlohmann::json VisionClient::health() const {
    nlohmann::json models = nlohmann::json::object();
    bool manifest_read = false;
    {
        // Health never reads the manifest itself: parsing it was a third of a fresh server's
        // time to its first answer. The models are listed once an image has needed them.
        std::lock_guard lock(mu_);
        if (manifest_)
            for (const auto& [name, spec] : manifest_->models())
                models[name] = "not loaded";
        manifest_read = manifest_ != nullptr;
    }
    nlohmann::json workers = nlohmann::json::array();
    for (const auto& w : pool_.workers())
        workers.push_back({{"pid", w.pid},
                           {"state", w.busy ? "busy" : "idle"},
                           {"requests", w.requests},
                           {"peak_rss_mib", w.peak_rss_mib}});
    std::lock_guard lock(mu_);
    for (const auto& [name, error] : last_error_)
        models[name] = error;
    for (const auto& [pid, reported] : reported_)
        for (const auto& [name, state] : reported)
            if (state == "loaded") models[name] = "loaded";
    return {{"models", models},
            {"manifest", manifest_read ? cfg_.vision_manifest : "not read yet"},
            {"workers", workers},
            {"max_workers", pool_.options().max_workers}};
}

}  // namespace fogbank::rekognition
