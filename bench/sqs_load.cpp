// fogbank-sqs-load: an SQS load generator over the AWS JSON 1.0 protocol (what current SDKs
// speak, and the only protocol some peers serve). One keep-alive connection per thread, every
// request SigV4-signed. Prints one JSON line per run.
//   send            SendMessage, one message per request
//   receive-delete  ReceiveMessage (up to 10) then DeleteMessageBatch of what came back, until
//                   the time is up or the queue runs dry (the rate counts the time taken)
//   fill            SendMessageBatch of 10 until --count messages are queued
//   sample          one SendMessage; prints its answer's body (for a server that answers it back)
//   long-poll       one receiver long-polls an empty queue, one sender sends a message once the
//                   receiver is parked; the latency is send start -> receive return
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

#include "bench/connection.hpp"

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    bench::Endpoint endpoint;
    std::string op = "send";
    std::string queue = "bench";
    std::string queue_url;  // given: no GetQueueUrl first (a server that answers one fixed body)
    unsigned size = 256;
    unsigned connections = 1;
    double seconds = 5;
    uint64_t count = 0;
};

// One connection's client; each thread has its own.
struct Sqs : bench::JsonClient {
    explicit Sqs(const Options& o) : JsonClient(o.endpoint, "sqs", "AmazonSQS.") {}
};

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"fogbank-sqs-load: SQS load generator (AWS JSON protocol)"};
    app.add_option("--host", o.endpoint.host);
    app.add_option("--port", o.endpoint.port)->required();
    app.add_option("--op", o.op, "create-queue, send, fill, receive-delete, long-poll, sample")
        ->required();
    app.add_option("--queue", o.queue);
    app.add_option("--queue-url", o.queue_url, "skip GetQueueUrl and send to this URL");
    app.add_option("--size", o.size, "message body bytes");
    app.add_option("--connections", o.connections);
    app.add_option("--seconds", o.seconds);
    app.add_option("--count", o.count, "fill: messages; long-poll: samples");
    CLI11_PARSE(app, argc, argv);

    Sqs setup(o);
    if (o.op == "create-queue") {
        auto r = setup.call("CreateQueue", {{"QueueName", o.queue}});
        std::cout << json{{"op", o.op}, {"queue_url", r["QueueUrl"]}}.dump() << "\n";
        return 0;
    }
    const std::string url =
        !o.queue_url.empty()
            ? o.queue_url
            : setup.call("GetQueueUrl", {{"QueueName", o.queue}})["QueueUrl"].get<std::string>();
    const std::string body(o.size, 'm');
    if (o.op == "sample") {
        std::cout << json{{"op", o.op},
                          {"body",
                           setup.raw("SendMessage", {{"QueueUrl", url}, {"MessageBody", body}})}}
                         .dump()
                  << "\n";
        return 0;
    }

    if (o.op == "long-poll") {
        // The receiver parks; the sender waits until it is parked (a fixed pause after the last
        // receive returned), then sends and starts the clock.
        std::mutex mu;
        std::condition_variable cv;
        bool got = false;
        Clock::time_point sent_at;
        std::vector<double> lat;
        uint64_t samples = o.count ? o.count : 200;
        std::thread receiver([&] {
            Sqs s(o);
            for (uint64_t i = 0; i < samples;) {
                auto r = s.call("ReceiveMessage", {{"QueueUrl", url}, {"WaitTimeSeconds", 20}});
                if (!r.contains("Messages")) continue;
                double ms = ms_since(sent_at);
                s.call("DeleteMessage",
                       {{"QueueUrl", url}, {"ReceiptHandle", r["Messages"][0]["ReceiptHandle"]}});
                std::lock_guard lock(mu);
                lat.push_back(ms);
                got = true;
                ++i;
                cv.notify_all();
            }
        });
        Sqs sender(o);
        for (uint64_t i = 0; i < samples; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            sent_at = Clock::now();
            sender.call("SendMessage", {{"QueueUrl", url}, {"MessageBody", body}});
            std::unique_lock lock(mu);
            cv.wait(lock, [&] { return got; });
            got = false;
        }
        receiver.join();
        std::sort(lat.begin(), lat.end());
        std::cout << json{{"op", o.op},
                          {"samples", lat.size()},
                          {"p50_ms", bench::percentile(lat, 0.5)},
                          {"p99_ms", bench::percentile(lat, 0.99)}}
                         .dump()
                  << "\n";
        return 0;
    }

    std::atomic<uint64_t> messages{0}, requests{0};
    std::atomic<uint64_t> filled{0};
    auto start = Clock::now();
    auto deadline = start + std::chrono::duration<double>(o.seconds);
    std::vector<std::thread> threads;
    std::atomic<bool> failed{false}, drained{false};
    for (unsigned t = 0; t < o.connections; ++t) {
        threads.emplace_back([&, t] {
            try {
                Sqs s(o);
                for (;;) {
                    if (o.op == "fill") {
                        if (filled.fetch_add(10) >= o.count) break;
                        json entries = json::array();
                        for (int k = 0; k < 10; ++k)
                            entries.push_back({{"Id", std::to_string(k)}, {"MessageBody", body}});
                        s.call("SendMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
                        messages += 10;
                        ++requests;
                        continue;
                    }
                    if (Clock::now() >= deadline || drained) break;
                    if (o.op == "send") {
                        s.call("SendMessage", {{"QueueUrl", url}, {"MessageBody", body}});
                        ++messages;
                        ++requests;
                    } else {
                        auto r = s.call("ReceiveMessage",
                                        {{"QueueUrl", url}, {"MaxNumberOfMessages", 10}});
                        ++requests;
                        if (!r.contains("Messages")) {
                            drained = true;
                            break;
                        }
                        json entries = json::array();
                        int k = 0;
                        for (auto& m : r["Messages"])
                            entries.push_back({{"Id", std::to_string(k++)},
                                               {"ReceiptHandle", m["ReceiptHandle"]}});
                        s.call("DeleteMessageBatch", {{"QueueUrl", url}, {"Entries", entries}});
                        ++requests;
                        messages += entries.size();
                    }
                }
            } catch (const std::exception& e) {
                std::cerr << "thread " << t << ": " << e.what() << "\n";
                failed = true;
            }
        });
    }
    for (auto& t : threads)
        t.join();
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::cout << json{{"op", o.op},
                      {"connections", o.connections},
                      {"messages", messages.load()},
                      {"requests", requests.load()},
                      {"seconds", secs},
                      {"drained", drained.load()},
                      {"messages_per_s", static_cast<double>(messages) / secs}}
                     .dump()
              << "\n";
    return failed ? 1 : 0;
}
