// The one place graced starts processes and the one place it reaps them: every process
// (the service, hooks, exec checks) goes through spawn(), and reap() is the only caller of
// waitpid(-1) in graced. Exit statuses are dispatched by pid; anything else reaped is an
// orphan re-parented to graced and is only counted. (libuv's uv_spawn is not used: its
// child watcher reaps by pid and would race waitpid(-1).)
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "process/exit_status.hpp"
#include "process/signal_state.hpp"

namespace graced::process {

struct Credentials {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  // supplementary groups (initgroups, resolved before spawning)
};

// Resolves a user and group given as names or numeric ids; the user's supplementary
// groups come along. An empty user keeps graced's own identity.
std::variant<Credentials, std::string> resolve_credentials(const std::string& user,
                                                           const std::string& group);

struct SpawnRequest {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // the complete environment, "KEY=value"
  std::string workdir;           // empty: graced's own
  std::optional<Credentials> credentials;
  // A new session (setsid) makes the child leader of its own process group so the whole
  // group can be signalled. When `foreground_terminal` is set and stdin is a terminal, the
  // child instead gets a new process group in graced's session and becomes the terminal's
  // foreground group, so Ctrl-C and job control reach it (a new session would lose the
  // terminal).
  bool foreground_terminal = false;
  int pdeathsig = 0;
  // When set, the environment also gets NAME=<the child's own pid> (e.g. WATCHDOG_PID),
  // written in the child before exec, when its pid is known.
  std::string pid_variable;
  // -1 inherits graced's; otherwise dup2'ed onto 0, 1, 2.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // How the child is started (README.md, "Reaping"). false: fork, and graced goes on at
  // once. true: the child runs in graced's memory until it execs, graced suspended
  // meanwhile (clone with CLONE_VM | CLONE_VFORK, as posix_spawn does): nothing is
  // copied, so it starts faster, but graced waits out a slow exec (a binary on a lazily
  // pulled image layer, a hung network mount). Only the service's own start uses it; the
  // commands graced runs while it serves (exec checks, hooks) must never stall the loop.
  bool suspend_until_exec = false;
};

using ExitCallback = std::function<void(pid_t pid, const ExitStatus& status)>;

// Whether graced has any child, exited or not. It reaps nothing (waitid with WNOWAIT), so
// Spawner::reap() stays the only place that does.
bool has_children();

class Spawner {
 public:
  explicit Spawner(const InheritedSignals& signals) : signals_(signals) {}
  ~Spawner();
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;

  // Starts the child, which execs the command. Returns the pid, or an error message when no
  // child could be started. Exec failures arrive with the exit status
  // (ExitStatus::exec_failure).
  std::variant<pid_t, std::string> spawn(const SpawnRequest& req, ExitCallback on_exit);

  // Reaps every exited child (call on SIGCHLD; SIGCHLDs coalesce, so this loops).
  void reap();

  // Forgets a pid's callback (its owner went away); it is still reaped.
  void forget(pid_t pid);

  bool running(pid_t pid) const { return children_.count(pid) != 0; }
  std::uint64_t orphans_reaped() const { return orphans_reaped_; }
  std::uint64_t processes_reaped() const { return processes_reaped_; }

 private:
  struct Child {
    ExitCallback on_exit;
    int exec_pipe = -1;  // read end; reports a failure before exec, EOF after exec
  };
  const InheritedSignals& signals_;
  std::unordered_map<pid_t, Child> children_;
  std::uint64_t orphans_reaped_ = 0;
  std::uint64_t processes_reaped_ = 0;
};

}  // namespace graced::process
