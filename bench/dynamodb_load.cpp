// fogbank-dynamodb-load: a DynamoDB load generator (AWS JSON 1.0, SigV4-signed, one keep-alive
// connection per thread). Prints one JSON line per run with ops/s and latency percentiles.
//   create-table  table "<table>" keyed (pk S, sk N); waits until it is ACTIVE
//   fill          --count items for GetItem (pk g<i>, sk 0) and 1,000 in partition "q"
//   put           PutItem, a fresh ~200-byte item per request (every run has its own keys, so a
//                 second run on the same table adds items instead of replacing the first's)
//   overwrite     PutItem replacing a random filled item (pk g<i>, sk 0) with a new value
//   get           GetItem of a random filled item
//   sample        one GetItem of the first filled item; prints its answer's body
//   query         Query of partition "q", 100-item pages (Limit 100), walking the partition
//   update        UpdateItem with a version condition ("ver = :old"), each thread on its own
//                 item, so every condition holds and every write lands
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <random>
#include <thread>
#include <vector>

#include "bench/connection.hpp"

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    bench::Endpoint endpoint;
    std::string op;
    std::string table = "bench";
    unsigned connections = 1;
    double seconds = 5;
    uint64_t count = 10000;
};

// One connection's client; each thread has its own.
struct Dynamo : bench::JsonClient {
    explicit Dynamo(const Options& o) : JsonClient(o.endpoint, "dynamodb", "DynamoDB_20120810.") {}
};

json key(const std::string& pk, uint64_t sk) {
    return {{"pk", {{"S", pk}}}, {"sk", {{"N", std::to_string(sk)}}}};
}

json item(const std::string& pk, uint64_t sk) {
    json i = key(pk, sk);
    i["payload"] = {{"S", std::string(160, 'p')}};
    i["n"] = {{"N", std::to_string(sk * 7)}};
    i["tags"] = {{"SS", {"a", "b"}}};
    return i;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"fogbank-dynamodb-load: DynamoDB load generator"};
    app.add_option("--host", o.endpoint.host);
    app.add_option("--port", o.endpoint.port)->required();
    app.add_option("--op", o.op, "create-table, fill, put, overwrite, get, query, update, sample")
        ->required();
    app.add_option("--table", o.table);
    app.add_option("--connections", o.connections);
    app.add_option("--seconds", o.seconds);
    app.add_option("--count", o.count, "fill: items for get");
    CLI11_PARSE(app, argc, argv);

    Dynamo setup(o);
    if (o.op == "create-table") {
        setup.call("CreateTable", {{"TableName", o.table},
                                   {"AttributeDefinitions",
                                    {{{"AttributeName", "pk"}, {"AttributeType", "S"}},
                                     {{"AttributeName", "sk"}, {"AttributeType", "N"}}}},
                                   {"KeySchema",
                                    {{{"AttributeName", "pk"}, {"KeyType", "HASH"}},
                                     {{"AttributeName", "sk"}, {"KeyType", "RANGE"}}}},
                                   {"ProvisionedThroughput",
                                    {{"ReadCapacityUnits", 1000}, {"WriteCapacityUnits", 1000}}}});
        for (;;) {  // peers create tables asynchronously
            auto d = setup.call("DescribeTable", {{"TableName", o.table}});
            if (d["Table"]["TableStatus"] == "ACTIVE") break;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        std::cout << json{{"op", o.op}, {"table", o.table}}.dump() << "\n";
        return 0;
    }
    if (o.op == "fill") {
        std::atomic<uint64_t> next{0};
        const uint64_t total = o.count + 1000;
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < std::max(1u, o.connections); ++t)
            threads.emplace_back([&] {
                Dynamo d(o);
                for (;;) {
                    uint64_t from = next.fetch_add(25);
                    if (from >= total) break;
                    json reqs = json::array();
                    for (uint64_t i = from; i < std::min(total, from + 25); ++i) {
                        json it =
                            i < o.count ? item("g" + std::to_string(i), 0) : item("q", i - o.count);
                        reqs.push_back({{"PutRequest", {{"Item", it}}}});
                    }
                    d.call("BatchWriteItem", {{"RequestItems", {{o.table, reqs}}}});
                }
            });
        for (auto& t : threads)
            t.join();
        std::cout << json{{"op", o.op}, {"items", total}}.dump() << "\n";
        return 0;
    }

    if (o.op == "sample") {
        std::cout << json{{"op", o.op},
                          {"body",
                           setup.raw("GetItem", {{"TableName", o.table}, {"Key", key("g0", 0)}})}}
                         .dump()
                  << "\n";
        return 0;
    }

    // A run's own key prefix: a repeated run must not overwrite the items an earlier one wrote.
    const std::string run_id = std::to_string(std::random_device{}());
    std::atomic<uint64_t> ops{0};
    std::atomic<bool> failed{false};
    std::vector<std::vector<double>> latencies(o.connections);
    auto start = Clock::now();
    auto deadline = start + std::chrono::duration<double>(o.seconds);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < o.connections; ++t) {
        threads.emplace_back([&, t] {
            try {
                Dynamo d(o);
                std::mt19937_64 rng(t * 7919 + 1);
                uint64_t seq = 0, version = 0;
                json start_key;
                const std::string own = "u" + std::to_string(t);
                if (o.op == "update") {
                    json it = item(own, 0);
                    it["ver"] = {{"N", "0"}};
                    d.call("PutItem", {{"TableName", o.table}, {"Item", it}});
                }
                auto& lat = latencies[t];
                while (Clock::now() < deadline) {
                    auto t0 = Clock::now();
                    if (o.op == "put") {
                        d.call("PutItem", {{"TableName", o.table},
                                           {"Item", item("p" + run_id + "-" + std::to_string(t) +
                                                             "-" + std::to_string(seq),
                                                         seq)}});
                        ++seq;
                    } else if (o.op == "overwrite") {
                        json it = item("g" + std::to_string(rng() % o.count), 0);
                        it["n"] = {{"N", std::to_string(++version)}};
                        d.call("PutItem", {{"TableName", o.table}, {"Item", it}});
                    } else if (o.op == "get") {
                        auto r = d.call("GetItem",
                                        {{"TableName", o.table},
                                         {"Key", key("g" + std::to_string(rng() % o.count), 0)}});
                        if (!r.contains("Item")) throw std::runtime_error("GetItem found nothing");
                    } else if (o.op == "query") {
                        json in{{"TableName", o.table},
                                {"KeyConditionExpression", "pk = :p"},
                                {"ExpressionAttributeValues", {{":p", {{"S", "q"}}}}},
                                {"Limit", 100}};
                        if (!start_key.is_null()) in["ExclusiveStartKey"] = start_key;
                        auto r = d.call("Query", in);
                        // Pages hold 100 items; the one after the last full page may be empty.
                        if (r["Count"] != 100 && r["Count"] != 0)
                            throw std::runtime_error("Query page was " + r["Count"].dump());
                        start_key = r.value("LastEvaluatedKey", json());
                    } else if (o.op == "update") {
                        d.call("UpdateItem", {{"TableName", o.table},
                                              {"Key", key(own, 0)},
                                              {"UpdateExpression", "SET ver = :new, n = n + :one"},
                                              {"ConditionExpression", "ver = :old"},
                                              {"ExpressionAttributeValues",
                                               {{":new", {{"N", std::to_string(version + 1)}}},
                                                {":old", {{"N", std::to_string(version)}}},
                                                {":one", {{"N", "1"}}}}}});
                        ++version;
                    } else {
                        throw std::runtime_error("unknown op " + o.op);
                    }
                    lat.push_back(
                        std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
                    ++ops;
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
    std::vector<double> all;
    for (auto& l : latencies)
        all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    std::cout << json{{"op", o.op},
                      {"connections", o.connections},
                      {"ops", ops.load()},
                      {"seconds", secs},
                      {"ops_per_s", static_cast<double>(ops) / secs},
                      {"p50_ms", bench::percentile(all, 0.5)},
                      {"p99_ms", bench::percentile(all, 0.99)}}
                     .dump()
              << "\n";
    return failed ? 1 : 0;
}
