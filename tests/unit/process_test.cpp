// The shared process layer: children in their own process group with captured output, exit
// statuses, group kills, the guard that leaves no orphan when fogbank dies, and the scheduler.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "emulator/process.hpp"
#include "emulator/scheduler.hpp"

using namespace fogbank;
using namespace std::chrono_literals;

namespace {

// Reads the child's output until it closes or `limit` passes.
std::string drain(ChildProcess& child, std::chrono::milliseconds limit = 5000ms) {
    std::string out;
    auto end = std::chrono::steady_clock::now() + limit;
    while (child.output_fd() >= 0 && std::chrono::steady_clock::now() < end) {
        child.read_output(out);
        std::this_thread::sleep_for(5ms);
    }
    return out;
}

// Reads the child's output up to its first line (a background child may keep the pipe open).
std::string first_line(ChildProcess& child) {
    std::string out;
    for (int i = 0; i < 500 && out.find('\n') == std::string::npos; ++i) {
        child.read_output(out);
        std::this_thread::sleep_for(10ms);
    }
    return out;
}

int wait_exit(ChildProcess& child) {
    for (int i = 0; i < 500; ++i) {
        if (auto status = child.poll_exit()) return *status;
        std::this_thread::sleep_for(10ms);
    }
    ADD_FAILURE() << "child did not exit";
    return -1;
}

// A zombie counts as dead: re-parented children are reaped by whoever is init here, whenever.
bool alive(pid_t pid) {
    if (::kill(pid, 0) != 0) return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    stat >> pid_field >> comm >> state;
    return state != "Z";
}

bool dies_within(pid_t pid, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (!alive(pid)) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

TEST(ChildProcess, CapturesStdoutAndStderrAndTheEnvironment) {
    auto child =
        ChildProcess::spawn({{"/bin/sh", "-c", "echo out:$GREETING; echo err >&2; pwd; exit 3"},
                             {{"GREETING", "hello"}, {"PATH", "/usr/bin:/bin"}},
                             "/tmp"});
    std::string out = drain(child);
    EXPECT_NE(out.find("out:hello\n"), std::string::npos) << out;
    EXPECT_NE(out.find("err\n"), std::string::npos) << out;
    EXPECT_NE(out.find("/tmp\n"), std::string::npos) << out;
    int status = wait_exit(child);
    EXPECT_EQ(describe_exit(status), "exit status 3");
    EXPECT_FALSE(child.running());
}

TEST(ChildProcess, RunsInAProcessGroupOfItsOwn) {
    auto child = ChildProcess::spawn({{"/bin/sh", "-c", "sleep 30"}, {}, {}});
    ASSERT_GT(child.pid(), 0);
    EXPECT_EQ(::getpgid(child.pid()), child.pid());
    EXPECT_NE(::getpgid(child.pid()), ::getpgrp());
    EXPECT_EQ(child.kill_and_wait() & 0x7f, SIGKILL);
}

TEST(ChildProcess, KillingTheGroupTakesTheScriptsChildrenAlong) {
    // The script starts a background sleeper and reports its pid, then waits.
    auto child = ChildProcess::spawn({{"/bin/sh", "-c", "sleep 60 & echo $!; wait"}, {}, {}});
    std::string out = first_line(child);
    pid_t sleeper = std::atoi(out.c_str());
    ASSERT_GT(sleeper, 0) << out;
    ASSERT_TRUE(alive(sleeper));
    child.signal_group(SIGTERM);
    EXPECT_EQ(describe_exit(wait_exit(child)), "signal: Terminated");
    EXPECT_TRUE(dies_within(sleeper, 2000ms));
}

TEST(ChildProcess, AMissingProgramIsASpawnError) {
    try {
        ChildProcess::spawn({{"/nonexistent/program"}, {}, {}});
        FAIL() << "spawned a missing program";
    } catch (const SpawnError& e) {
        EXPECT_EQ(e.error(), ENOENT);
    }
    EXPECT_THROW(ChildProcess::spawn({{}, {}, {}}), SpawnError);
}

TEST(ChildProcess, DestroyingItKillsWhatIsLeftOfTheGroup) {
    pid_t sleeper = -1;
    {
        auto child = ChildProcess::spawn({{"/bin/sh", "-c", "sleep 60 & echo $!"}, {}, {}});
        std::string out = first_line(child);
        sleeper = std::atoi(out.c_str());
        ASSERT_GT(sleeper, 0) << out;
        wait_exit(child);  // the script is gone; its background sleeper is not
        ASSERT_TRUE(alive(sleeper));
    }
    EXPECT_TRUE(dies_within(sleeper, 2000ms));
}

// Run by GuardKillsTheGroupsOfAnOwnerThatIsKilled in a process of its own: starts a sleeper
// group, prints its pid and dies by SIGKILL, leaving the guard to clean up.
TEST(ProcessGuard, OwnerHelper) {
    if (!std::getenv("FOGBANK_GUARD_OWNER")) GTEST_SKIP() << "run by the test below";
    auto child = ChildProcess::spawn({{"/bin/sh", "-c", "sleep 60 & sleep 60"}, {}, {}});
    std::printf("child %d guard %d\n", child.pid(), process_guard_pid());
    std::fflush(stdout);
    std::this_thread::sleep_for(200ms);  // the sleepers are started
    ::raise(SIGKILL);
}

TEST(ProcessGuard, GuardKillsTheGroupsOfAnOwnerThatIsKilled) {
    auto owner = ChildProcess::spawn({{"/proc/self/exe", "--gtest_filter=ProcessGuard.OwnerHelper"},
                                      {{"FOGBANK_GUARD_OWNER", "1"}},
                                      {}});
    // The owner's exe is this test binary: resolve it before it is gone.
    std::string out = drain(owner, 10000ms);
    wait_exit(owner);
    int child = 0, guard = 0;
    auto pos = out.find("child ");
    ASSERT_NE(pos, std::string::npos) << out;
    ASSERT_EQ(std::sscanf(out.c_str() + pos, "child %d guard %d", &child, &guard), 2) << out;
    ASSERT_GT(child, 0);
    ASSERT_GT(guard, 0);
    // The owner's children were re-parented, so only the kernel can tell they are gone: the
    // group is empty once kill(-pgid, 0) fails.
    auto end = std::chrono::steady_clock::now() + 3000ms;
    while (::kill(-child, 0) == 0 && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(10ms);
    EXPECT_NE(::kill(-child, 0), 0) << "the owner's process group outlived it";
    EXPECT_TRUE(dies_within(guard, 3000ms)) << "the guard outlived its work";
}

TEST(Scheduler, RunsJobsInTimeOrderAndSurvivesAFailingOne) {
    Scheduler scheduler("test");
    std::mutex mu;
    std::vector<int> order;
    std::atomic<int> done{0};
    auto record = [&](int n) {
        std::lock_guard lock(mu);
        order.push_back(n);
        ++done;
    };
    scheduler.after(60ms, [&] { record(3); });
    scheduler.after(20ms, [&] { record(1); });
    scheduler.after(40ms, [&] { throw std::runtime_error("a job's own failure"); });
    scheduler.after(50ms, [&] { record(2); });
    for (int i = 0; i < 300 && done < 3; ++i)
        std::this_thread::sleep_for(10ms);
    std::lock_guard lock(mu);
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(Scheduler, ClearDropsWhatHasNotRun) {
    Scheduler scheduler("test");
    std::atomic<int> ran{0};
    scheduler.after(100ms, [&] { ++ran; });
    scheduler.clear();
    scheduler.after(10ms, [&] { ran += 10; });
    std::this_thread::sleep_for(250ms);
    EXPECT_EQ(ran.load(), 10);
}

TEST(Scheduler, StartsItsThreadWithTheFirstJobAndAJobCanScheduleTheNext) {
    Scheduler scheduler("test");
    EXPECT_FALSE(scheduler.started());
    std::atomic<int> ran{0};
    std::function<void()> tick = [&] {
        if (++ran < 3) scheduler.after(5ms, tick);
    };
    scheduler.after(5ms, tick);
    EXPECT_TRUE(scheduler.started());
    for (int i = 0; i < 300 && ran < 3; ++i)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(ran.load(), 3);
}

}  // namespace
