// fogbank-load: a small S3 load generator. One keep-alive connection per thread, SigV4-signed
// requests (UNSIGNED-PAYLOAD, as SDKs send over TLS), bodies generated and discarded in
// chunks so a 1 GiB object costs no client memory. Prints one JSON line per run.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/connection.hpp"

using bench::Connection;
namespace http = bench::http;

struct Options {
    bench::Endpoint endpoint;
    std::string op = "put";
    std::string bucket = "bench";
    uint64_t size = 1024;
    unsigned connections = 1;
    double seconds = 5;
    uint64_t count = 0;  // 0: run for `seconds`
    unsigned keys = 100;
};

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"fogbank-load: S3 PutObject/GetObject load generator"};
    o.endpoint.access_key = o.endpoint.secret = "S3RVER";
    app.add_option("--host", o.endpoint.host);
    app.add_option("--port", o.endpoint.port)->required();
    app.add_option("--op", o.op, "create-bucket, put, get")->required();
    app.add_option("--bucket", o.bucket);
    app.add_option("--size", o.size, "object size in bytes");
    app.add_option("--connections", o.connections);
    app.add_option("--seconds", o.seconds, "run time (ignored with --count)");
    app.add_option("--count", o.count, "total requests, then stop");
    app.add_option("--keys", o.keys, "distinct keys to cycle through");
    app.add_option("--access-key", o.endpoint.access_key);
    app.add_option("--secret", o.endpoint.secret);
    CLI11_PARSE(app, argc, argv);

    if (o.op == "create-bucket") {
        Connection c(o.endpoint);
        int status = c.s3_request(http::verb::put, "/" + o.bucket, 0);
        std::cout << nlohmann::json{{"op", o.op}, {"status", status}}.dump() << "\n";
        return status == 200 || status == 409 ? 0 : 1;
    }
    http::verb verb = o.op == "get" ? http::verb::get : http::verb::put;
    uint64_t put_size = verb == http::verb::put ? o.size : 0;
    std::atomic<uint64_t> issued{0}, errors{0};
    std::mutex mu;
    std::vector<double> latencies;
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + std::chrono::duration<double>(o.seconds);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < o.connections; ++t) {
        threads.emplace_back([&, t] {
            Connection c(o.endpoint);
            std::vector<double> mine;
            for (uint64_t i = t;; i += o.connections) {
                if (o.count ? issued.fetch_add(1) >= o.count
                            : std::chrono::steady_clock::now() >= deadline)
                    break;
                std::string path = "/" + o.bucket + "/obj-" + std::to_string(o.size) + "-" +
                                   std::to_string(i % o.keys);
                auto t0 = std::chrono::steady_clock::now();
                int status = c.s3_request(verb, path, put_size);
                mine.push_back(
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                        .count());
                if (status != 200) ++errors;
            }
            std::lock_guard lock(mu);
            latencies.insert(latencies.end(), mine.begin(), mine.end());
        });
    }
    for (auto& t : threads)
        t.join();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::sort(latencies.begin(), latencies.end());
    double n = static_cast<double>(latencies.size());
    nlohmann::json out = {{"op", o.op},
                          {"size", o.size},
                          {"connections", o.connections},
                          {"requests", latencies.size()},
                          {"errors", errors.load()},
                          {"seconds", secs},
                          {"ops_per_s", n / secs},
                          {"mib_per_s", n * static_cast<double>(o.size) / secs / (1024 * 1024)},
                          {"p50_ms", bench::percentile(latencies, 0.5)},
                          {"p99_ms", bench::percentile(latencies, 0.99)}};
    std::cout << out.dump() << "\n";
    return errors ? 1 : 0;
}
