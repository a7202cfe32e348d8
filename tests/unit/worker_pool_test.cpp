// The worker pool against real worker processes: a small Python worker that speaks the frame
// protocol on descriptor 3 and, told so by the request, answers, crashes, hangs, grows, writes
// garbage or exits.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "emulator/worker_pool.hpp"

using namespace fogbank;
using namespace std::chrono_literals;

namespace {

constexpr const char* kWorker = R"(import os, signal, struct, sys, time
def read_exact(n):
    buf = b""
    while len(buf) < n:
        chunk = os.read(3, n - len(buf))
        if not chunk:
            sys.exit(0)
        buf += chunk
    return buf
while True:
    m, p = struct.unpack(">II", read_exact(8))
    cmd = read_exact(m).decode()
    payload = read_exact(p)
    if cmd == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    if cmd == "exit":
        sys.exit(3)
    if cmd == "hang":
        time.sleep(30)
    if cmd == "grow":
        x = bytearray(300 << 20)
        x[::4096] = b"\1" * len(range(0, len(x), 4096))
    if cmd == "garbage":
        os.write(3, b"\xff" * 8)
        time.sleep(30)
    if cmd.startswith("sleep "):
        time.sleep(float(cmd[6:]))
    if cmd == "say":
        print("a line on stdout", flush=True)
    reply = ("%d:%d" % (os.getpid(), len(payload))).encode()
    os.write(3, struct.pack(">II", len(reply), 0) + reply)
)";

WorkerPoolOptions options(unsigned max_workers = 1) {
    static const std::filesystem::path script = [] {
        auto p = std::filesystem::temp_directory_path() / "fogbank-unit-worker.py";
        std::ofstream(p) << kWorker;
        return p;
    }();
    WorkerPoolOptions o;
    o.name = "test";
    o.argv = {"/usr/bin/python3", script.string()};
    o.max_workers = max_workers;
    o.request_timeout = 10s;
    o.max_reply_meta = 1024;
    o.max_reply_payload = 0;
    return o;
}

WorkerFailure::Kind failure_of(WorkerPool& pool, const std::string& cmd) {
    try {
        pool.call(cmd, "");
    } catch (const WorkerFailure& e) {
        return e.kind();
    }
    ADD_FAILURE() << cmd << " did not fail";
    return WorkerFailure::Kind::kUnavailable;
}

}  // namespace

TEST(WorkerPool, OneWorkerAnswersRequestsInTurnWithThePayloadIntact) {
    WorkerPool pool(options());
    EXPECT_TRUE(pool.workers().empty());  // nothing starts before it is needed
    auto a = pool.call("hi", std::string(3 << 20, 'x'));
    auto b = pool.call("say", "12345");
    EXPECT_EQ(a.worker, b.worker);
    EXPECT_EQ(a.frame.meta, std::to_string(a.worker) + ":" + std::to_string(3 << 20));
    EXPECT_EQ(b.frame.meta, std::to_string(a.worker) + ":5");
    auto ws = pool.workers();
    ASSERT_EQ(ws.size(), 1u);
    EXPECT_EQ(ws[0].requests, 2u);
    EXPECT_FALSE(ws[0].busy);
}

TEST(WorkerPool, GrowsToItsLimitUnderConcurrentRequests) {
    WorkerPool pool(options(2));
    std::vector<std::future<WorkerPool::Reply>> calls;
    for (int i = 0; i < 6; ++i)
        calls.push_back(std::async(std::launch::async, [&] { return pool.call("sleep 0.2", ""); }));
    std::set<pid_t> pids;
    for (auto& c : calls)
        pids.insert(c.get().worker);
    EXPECT_EQ(pids.size(), 2u);
    EXPECT_EQ(pool.workers().size(), 2u);
}

TEST(WorkerPool, AWorkerThatDiesCostsOnlyItsRequest) {
    std::atomic<int> gone{0};
    auto o = options();
    o.on_worker_gone = [&](pid_t) { ++gone; };
    WorkerPool pool(o);
    pid_t first = pool.call("hi", "").worker;
    try {
        pool.call("crash", "");
        ADD_FAILURE() << "no failure";
    } catch (const WorkerFailure& e) {
        EXPECT_EQ(e.kind(), WorkerFailure::Kind::kCrashed);
        EXPECT_NE(std::string(e.what()).find("signal: Killed"), std::string::npos) << e.what();
    }
    EXPECT_EQ(gone.load(), 1);
    pid_t second = pool.call("hi", "").worker;
    EXPECT_NE(first, second);
    EXPECT_EQ(failure_of(pool, "exit"), WorkerFailure::Kind::kCrashed);
    EXPECT_EQ(pool.call("hi", "").frame.meta.substr(0, 1).empty(), false);
}

TEST(WorkerPool, AHungWorkerIsStoppedAtTheTimeout) {
    auto o = options();
    o.request_timeout = 400ms;
    WorkerPool pool(o);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(failure_of(pool, "hang"), WorkerFailure::Kind::kTimedOut);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_TRUE(pool.workers().empty());
    EXPECT_NO_THROW(pool.call("hi", ""));
}

TEST(WorkerPool, AWorkerOverItsMemoryLimitIsStopped) {
    auto o = options();
    o.memory_limit_mib = 150;
    WorkerPool pool(o);
    EXPECT_NO_THROW(pool.call("hi", ""));
    EXPECT_EQ(failure_of(pool, "grow"), WorkerFailure::Kind::kOverMemory);
    EXPECT_NO_THROW(pool.call("hi", ""));
}

TEST(WorkerPool, AnAnswerThatIsNotAFrameStopsTheWorker) {
    WorkerPool pool(options());
    EXPECT_EQ(failure_of(pool, "garbage"), WorkerFailure::Kind::kProtocol);
    EXPECT_NO_THROW(pool.call("hi", ""));
}

TEST(WorkerPool, AWorkerThatCannotStartIsUnavailable) {
    auto o = options();
    o.argv = {"/nonexistent/fogbank-vision"};
    WorkerPool pool(o);
    EXPECT_EQ(failure_of(pool, "hi"), WorkerFailure::Kind::kUnavailable);
}

TEST(WorkerPool, BusyWorkersMakeALateRequestUnavailable) {
    auto o = options();
    o.queue_timeout = 300ms;
    WorkerPool pool(o);
    auto slow = std::async(std::launch::async, [&] {
        try {
            pool.call("sleep 1", "");
        } catch (const WorkerFailure&) {
        }
    });
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(failure_of(pool, "hi"), WorkerFailure::Kind::kUnavailable);
    slow.get();
}

TEST(WorkerPool, IdleWorkersAreStopped) {
    std::atomic<int> gone{0};
    auto o = options(2);
    o.idle_timeout = 100ms;
    o.on_worker_gone = [&](pid_t) { ++gone; };
    WorkerPool pool(o);
    pool.call("hi", "");
    EXPECT_EQ(pool.workers().size(), 1u);
    // The reaper forgets the worker under its lock and reports it after releasing it, so an
    // observer can see the pool empty a moment before the report.
    for (int i = 0; i < 100 && (!pool.workers().empty() || gone.load() == 0); ++i)
        std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(pool.workers().empty());
    EXPECT_EQ(gone.load(), 1);
    EXPECT_NO_THROW(pool.call("hi", ""));  // and a new one starts when needed
}
