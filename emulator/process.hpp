// Child processes the emulator runs on a user's behalf: Lambda sandboxes and EC2 instances.
//
// A child starts in a session (and so a process group) of its own, with stdin on /dev/null,
// stdout and stderr on one pipe the caller reads, the signal mask and dispositions reset, and
// no descriptor of fogbank's inherited. Killing a child kills its whole group, so a shell script
// takes its own children with it.
//
// No orphans: every group started here is registered with one guard process, forked on the
// first spawn, that holds the read end of a pipe whose only writer is fogbank. When fogbank
// exits in any way (SIGKILL included) the pipe reads end-of-file and the guard kills every
// group still registered. The guard is a fork of a threaded process, so it runs nothing but
// async-signal-safe system calls on memory it owns.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank {

struct SpawnSpec {
    std::vector<std::string> argv;  // argv[0] without a '/' is looked up on PATH
    std::map<std::string, std::string> env;
    std::filesystem::path cwd;  // empty: fogbank's own
    // A descriptor the child gets as its descriptor 3 (a worker's end of a socket pair); -1:
    // none. The caller keeps and closes its own copy.
    int channel_fd = -1;
};

// The child could not be started; `error` is the errno posix_spawn reported.
class SpawnError : public std::runtime_error {
  public:
    SpawnError(const std::string& what, int error) : std::runtime_error(what), error_(error) {}
    int error() const { return error_; }

  private:
    int error_;
};

class ChildProcess {
  public:
    static ChildProcess spawn(const SpawnSpec& spec);

    ChildProcess() = default;
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    // Kills the group if it still runs, and reaps the child.
    ~ChildProcess();

    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0 && !status_; }
    // The read end of the stdout+stderr pipe (non-blocking), or -1 once it is closed.
    int output_fd() const { return out_fd_; }
    // Appends what the pipe holds now; closes it at end-of-file. Returns the bytes read.
    size_t read_output(std::string& sink);
    // Sends `sig` to the child's process group.
    void signal_group(int sig) const;
    // Reaps the child if it has exited (never blocks); its wait status once it has.
    std::optional<int> poll_exit();
    // Kills the group with SIGKILL and waits for the child.
    int kill_and_wait();
    // The peak resident set in MiB, while it runs (0 when unknown).
    long peak_rss_mb() const;

  private:
    void release();
    pid_t pid_ = -1;
    int out_fd_ = -1;
    std::optional<int> status_;
};

// A running process's peak resident set in MiB (its VmHWM), 0 when unknown.
long peak_rss_mib_of(pid_t pid);

// Writes a file a child is given (a script, a bootstrap, a helper module), executable when
// asked. Throws std::runtime_error when it cannot.
void write_child_file(const std::filesystem::path& path, std::string_view text,
                      bool executable = false);

// A variable of fogbank's own environment, "" when unset: what a child inherits by choice.
std::string inherited_env(const char* name);

// "exit status 3", "signal: Killed": a wait status as Lambda and EC2 logs put it.
std::string describe_exit(int wait_status);

// Test hook: the guard's pid once it runs, or -1.
pid_t process_guard_pid();

}  // namespace fogbank
