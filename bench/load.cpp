// fogbank-load: a small S3 load generator. One keep-alive connection per thread, SigV4-signed
// requests (UNSIGNED-PAYLOAD, as SDKs send over TLS), bodies generated and discarded in
// chunks so a 1 GiB object costs no client memory. Prints one JSON line per run.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "emulator/encoding.hpp"
#include "emulator/sigv4.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using fogbank::format_amz_date;
using fogbank::now_ms;

struct Options {
    std::string host = "127.0.0.1";
    std::string port = "4566";
    std::string op = "put";
    std::string bucket = "bench";
    uint64_t size = 1024;
    unsigned connections = 1;
    double seconds = 5;
    uint64_t count = 0;  // 0: run for `seconds`
    unsigned keys = 100;
    std::string access_key = "S3RVER";
    std::string secret = "S3RVER";
    std::string region = "us-east-1";
};

class Connection {
  public:
    explicit Connection(const Options& o) : o_(o), socket_(ioc_) {
        tcp::resolver r(ioc_);
        asio::connect(socket_, r.resolve(o.host, o.port));
        socket_.set_option(tcp::no_delay(true));
        pattern_.resize(256 * 1024);
        for (size_t i = 0; i < pattern_.size(); ++i)
            pattern_[i] = static_cast<char>('a' + i % 26);
    }

    // Returns the HTTP status; the body (if any) is read and dropped.
    int request(http::verb method, const std::string& path, uint64_t body_size) {
        http::fields h;
        std::string host = o_.host + ":" + o_.port;
        std::string date = format_amz_date(now_ms());
        h.set(http::field::host, host);
        h.set("x-amz-date", date);
        h.set("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
        fogbank::SigV4Auth auth;
        auth.credential = {o_.access_key, date.substr(0, 8), o_.region, "s3"};
        auth.signed_headers = {"host", "x-amz-content-sha256", "x-amz-date"};
        auth.amz_date = date;
        std::vector<std::pair<std::string, std::string>> q;
        fogbank::CanonicalInput in{http::to_string(method),
                                   fogbank::canonical_uri(path, true),
                                   &q,
                                   &h,
                                   &auth.signed_headers,
                                   "UNSIGNED-PAYLOAD"};
        std::string sig = fogbank::compute_signature(o_.secret, auth, in);
        std::string head = std::string(http::to_string(method)) + " " +
                           fogbank::uri_encode(path, true) + " HTTP/1.1\r\n";
        head += "Host: " + host + "\r\nx-amz-date: " + date +
                "\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n";
        head += "Authorization: AWS4-HMAC-SHA256 Credential=" + o_.access_key + "/" +
                auth.credential.scope() +
                ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + sig + "\r\n";
        if (method == http::verb::put)
            head += "Content-Length: " + std::to_string(body_size) + "\r\n";
        head += "\r\n";
        asio::write(socket_, asio::buffer(head));
        for (uint64_t left = body_size; left > 0;) {
            size_t n = static_cast<size_t>(std::min<uint64_t>(left, pattern_.size()));
            asio::write(socket_, asio::buffer(pattern_.data(), n));
            left -= n;
        }
        http::response_parser<http::buffer_body> p;
        p.body_limit(boost::none);
        http::read_header(socket_, buf_, p);
        std::vector<char> sink(256 * 1024);
        while (!p.is_done()) {
            p.get().body().data = sink.data();
            p.get().body().size = sink.size();
            beast::error_code ec;
            http::read(socket_, buf_, p, ec);
            if (ec && ec != http::error::need_buffer) throw beast::system_error(ec);
        }
        return p.get().result_int();
    }

  private:
    const Options& o_;
    asio::io_context ioc_;
    tcp::socket socket_;
    beast::flat_buffer buf_;
    std::string pattern_;
};

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"fogbank-load: S3 PutObject/GetObject load generator"};
    app.add_option("--host", o.host);
    app.add_option("--port", o.port)->required();
    app.add_option("--op", o.op, "create-bucket, put, get")->required();
    app.add_option("--bucket", o.bucket);
    app.add_option("--size", o.size, "object size in bytes");
    app.add_option("--connections", o.connections);
    app.add_option("--seconds", o.seconds, "run time (ignored with --count)");
    app.add_option("--count", o.count, "total requests, then stop");
    app.add_option("--keys", o.keys, "distinct keys to cycle through");
    app.add_option("--access-key", o.access_key);
    app.add_option("--secret", o.secret);
    CLI11_PARSE(app, argc, argv);

    if (o.op == "create-bucket") {
        Connection c(o);
        int status = c.request(http::verb::put, "/" + o.bucket, 0);
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
            Connection c(o);
            std::vector<double> mine;
            for (uint64_t i = t;; i += o.connections) {
                if (o.count ? issued.fetch_add(1) >= o.count
                            : std::chrono::steady_clock::now() >= deadline)
                    break;
                std::string path = "/" + o.bucket + "/obj-" + std::to_string(o.size) + "-" +
                                   std::to_string(i % o.keys);
                auto t0 = std::chrono::steady_clock::now();
                int status = c.request(verb, path, put_size);
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
    auto pct = [&](double p) {
        return latencies.empty() ? 0.0
                                 : latencies[std::min(latencies.size() - 1,
                                                      static_cast<size_t>(p * latencies.size()))];
    };
    double n = static_cast<double>(latencies.size());
    nlohmann::json out = {{"op", o.op},
                          {"size", o.size},
                          {"connections", o.connections},
                          {"requests", latencies.size()},
                          {"errors", errors.load()},
                          {"seconds", secs},
                          {"ops_per_s", n / secs},
                          {"mib_per_s", n * static_cast<double>(o.size) / secs / (1024 * 1024)},
                          {"p50_ms", pct(0.5)},
                          {"p99_ms", pct(0.99)}};
    std::cout << out.dump() << "\n";
    return errors ? 1 : 0;
}
