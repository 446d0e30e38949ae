// A server process a test depends on (redis-server, postgres): its own process group,
// its output in a log file, stopped by pid, and never left behind: the destructor kills
// it. The peer fixtures (postgres_server, redis_server) are built on it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace graced::test {

// An unprivileged account to run a peer as (PostgreSQL refuses to run as root).
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
};

// The account `name` when the tests run as root; nullopt when they do not (then peers
// simply run as the current user). Throws std::runtime_error when root and it is missing.
std::optional<RunAs> drop_root_to(const std::string& name);

class PeerProcess {
 public:
  PeerProcess() = default;
  ~PeerProcess();
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  // Starts argv[0] (a path) with stdin from /dev/null and stdout/stderr appended to
  // `log_path`, in a new process group. Throws std::runtime_error when it cannot.
  void spawn(const std::vector<std::string>& argv, const std::string& log_path,
             std::optional<RunAs> user = std::nullopt);

  // -1 when not started or already reaped.
  pid_t pid() const { return pid_; }
  // Reaps the process if it has exited.
  bool running();
  // The exit code (128+N when killed by signal N) once it has exited within `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Sends `signo` and waits up to `grace` for the exit, then SIGKILLs the whole process
  // group. Returns the exit code. Does nothing when not running.
  std::optional<int> stop(int signo, std::chrono::milliseconds grace);
  // SIGKILLs the peer and every process it started (in its group or not) at once, reaps
  // it and waits until they are all gone.
  void kill();

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

// Runs a program to completion (initdb, psql), output appended to `log_path`. Throws
// std::runtime_error with the log's tail when it fails or outlives `timeout`.
void run_peer_tool(const std::vector<std::string>& argv, const std::string& log_path,
                   std::optional<RunAs> user, std::chrono::milliseconds timeout);

// The last `max_bytes` of a log file, for error messages.
std::string log_tail(const std::string& log_path, std::size_t max_bytes = 2000);

}  // namespace graced::test
