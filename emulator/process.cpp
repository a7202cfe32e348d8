#include "emulator/process.hpp"

#include <sys/stat.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>

namespace fogbank {

namespace {

// --- The guard -------------------------------------------------------------------------------

// A record on the guard's pipe: 8 bytes, below PIPE_BUF, so every write and read is whole.
struct GuardRecord {
    int32_t op;  // '+' registers a process group, '-' forgets it
    int32_t pgid;
};
constexpr size_t kMaxGroups = 1 << 16;
// The guard's table lives in its own copy of this (zeroed) array: no allocation after fork.
pid_t g_groups[kMaxGroups];

std::mutex g_guard_mu;
int g_guard_fd = -1;  // the write end; only fogbank holds it (close-on-exec)
pid_t g_guard_pid = -1;

[[noreturn]] void guard_main(int fd) {
    // Only async-signal-safe calls from here: this is a fork of a threaded process.
    ::setpgid(0, 0);  // out of fogbank's group: a signal to that group does not reach here
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2})
        ::sigaction(sig, &ignore, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::prctl(PR_SET_NAME, "fogbank-guard", 0, 0, 0);
    int null = ::open("/dev/null", O_RDWR);
    for (int std_fd = 0; std_fd <= 2; ++std_fd)
        if (null >= 0 && null != std_fd) ::dup2(null, std_fd);
    if (fd != 3) {
        ::dup2(fd, 3);
        fd = 3;
    }
    ::syscall(SYS_close_range, 4u, ~0u, 0u);  // nothing of fogbank's stays open here
    GuardRecord batch[512];
    for (;;) {
        ssize_t n = ::read(fd, batch, sizeof batch);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // fogbank is gone (or the pipe broke): clean up
        for (size_t i = 0; i < static_cast<size_t>(n) / sizeof(GuardRecord); ++i) {
            const GuardRecord& r = batch[i];
            if (r.op == '+') {
                for (auto& slot : g_groups)
                    if (slot == 0) {
                        slot = r.pgid;
                        break;
                    }
            } else if (r.op == '-') {
                for (auto& slot : g_groups)
                    if (slot == r.pgid) {
                        slot = 0;
                        break;
                    }
            }
        }
    }
    for (pid_t pgid : g_groups)
        if (pgid > 0) ::kill(-pgid, SIGKILL);
    ::_exit(0);
}

// Starts the guard on first use. Under g_guard_mu.
void ensure_guard() {
    if (g_guard_fd >= 0) return;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;  // no guard: children still run, unguarded
    pid_t pid = ::fork();
    if (pid == 0) {
        ::close(fds[1]);
        guard_main(fds[0]);
    }
    ::close(fds[0]);
    if (pid < 0) {
        ::close(fds[1]);
        return;
    }
    g_guard_fd = fds[1];
    g_guard_pid = pid;
}

void tell_guard(int32_t op, pid_t pgid) {
    std::lock_guard lock(g_guard_mu);
    if (op == '+') ensure_guard();
    if (g_guard_fd < 0) return;
    GuardRecord r{op, static_cast<int32_t>(pgid)};
    ssize_t n;
    do {
        n = ::write(g_guard_fd, &r, sizeof r);
    } while (n < 0 && errno == EINTR);
}

}  // namespace

pid_t process_guard_pid() {
    std::lock_guard lock(g_guard_mu);
    return g_guard_pid;
}

// --- Children --------------------------------------------------------------------------------

ChildProcess ChildProcess::spawn(const SpawnSpec& spec) {
    if (spec.argv.empty()) throw SpawnError("nothing to run", EINVAL);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw SpawnError("cannot create a pipe", errno);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    // The channel is moved above the descriptors dup2 targets first, so that dup2 always copies
    // it (a dup2 onto itself would keep close-on-exec set).
    int channel = -1;
    if (spec.channel_fd >= 0) {
        channel = ::fcntl(spec.channel_fd, F_DUPFD_CLOEXEC, 10);
        if (channel < 0) {
            int err = errno;
            ::close(out[0]);
            ::close(out[1]);
            posix_spawn_file_actions_destroy(&fa);
            throw SpawnError("cannot pass a channel to the child", err);
        }
        posix_spawn_file_actions_adddup2(&fa, channel, 3);
    }
    // Nothing of fogbank's (listening socket, database, the guard's pipe) leaks into a child.
    posix_spawn_file_actions_addclosefrom_np(&fa, channel >= 0 ? 4 : 3);
    if (!spec.cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, spec.cwd.c_str());
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    // Its own session, so that its whole process group can be signalled.
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);

    std::vector<std::string> env_strings;
    for (const auto& [k, v] : spec.env)
        env_strings.push_back(k + "=" + v);
    std::vector<char*> argv_c, env_c;
    for (const auto& a : spec.argv)
        argv_c.push_back(const_cast<char*>(a.c_str()));
    argv_c.push_back(nullptr);
    for (auto& e : env_strings)
        env_c.push_back(e.data());
    env_c.push_back(nullptr);

    // The guard first, so that it is not forked while a child's pipe end is open here.
    {
        std::lock_guard lock(g_guard_mu);
        ensure_guard();
    }
    pid_t pid = -1;
    const std::string& exe = spec.argv[0];
    int rc = exe.find('/') == std::string::npos
                 ? posix_spawnp(&pid, exe.c_str(), &fa, &attr, argv_c.data(), env_c.data())
                 : posix_spawn(&pid, exe.c_str(), &fa, &attr, argv_c.data(), env_c.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(out[1]);
    if (channel >= 0) ::close(channel);
    if (rc != 0) {
        ::close(out[0]);
        throw SpawnError("cannot start " + exe + ": " + std::strerror(rc), rc);
    }
    tell_guard('+', pid);
    ::fcntl(out[0], F_SETFL, ::fcntl(out[0], F_GETFL) | O_NONBLOCK);
    ChildProcess child;
    child.pid_ = pid;
    child.out_fd_ = out[0];
    return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), out_fd_(other.out_fd_), status_(other.status_) {
    other.pid_ = -1;
    other.out_fd_ = -1;
}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        release();
        pid_ = other.pid_;
        out_fd_ = other.out_fd_;
        status_ = other.status_;
        other.pid_ = -1;
        other.out_fd_ = -1;
    }
    return *this;
}

ChildProcess::~ChildProcess() {
    release();
}

void ChildProcess::release() {
    if (pid_ > 0) {
        // The leader may be gone while its group lives on (a script's background children).
        ::kill(-pid_, SIGKILL);
        if (!status_) {
            int status = 0;
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
        }
        tell_guard('-', pid_);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    pid_ = -1;
    out_fd_ = -1;
    status_.reset();
}

size_t ChildProcess::read_output(std::string& sink) {
    size_t total = 0;
    char buf[16384];
    while (out_fd_ >= 0) {
        ssize_t n = ::read(out_fd_, buf, sizeof buf);
        if (n > 0) {
            sink.append(buf, static_cast<size_t>(n));
            total += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) {  // every writer has exited
            ::close(out_fd_);
            out_fd_ = -1;
        }
        break;
    }
    return total;
}

void ChildProcess::signal_group(int sig) const {
    if (pid_ > 0) ::kill(-pid_, sig);
}

std::optional<int> ChildProcess::poll_exit() {
    if (pid_ <= 0 || status_) return status_;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    return status_;
}

int ChildProcess::kill_and_wait() {
    if (pid_ <= 0) return 0;
    ::kill(-pid_, SIGKILL);
    if (!status_) {
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        status_ = status;
    }
    return *status_;
}

long ChildProcess::peak_rss_mb() const {
    if (pid_ <= 0 || status_) return 0;
    return peak_rss_mib_of(pid_);
}

long peak_rss_mib_of(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) / 1024;
    return 0;
}

std::string inherited_env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

std::string describe_exit(int status) {
    if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "signal: " + std::string(strsignal(WTERMSIG(status)));
    return "status " + std::to_string(status);
}

void write_child_file(const std::filesystem::path& path, std::string_view text, bool executable) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    f.close();
    if (!f) throw std::runtime_error("cannot write " + path.string());
    if (executable) ::chmod(path.c_str(), 0755);
}

}  // namespace fogbank
