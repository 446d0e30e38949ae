// Runs the service as graced's child: starts it, forwards signals to it, and when it
// exits, clears what is left of its process group and reports the exit status graced
// should exit with.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "loop/handle.hpp"
#include "process/spawner.hpp"
#include "supervisor/process_config.hpp"
#include "supervisor/signal_source.hpp"

namespace graced::supervisor {

class Supervisor {
 public:
  // Called once, when the child and what was left of its group are gone.
  using DoneCallback = std::function<void(int exit_code)>;
  // Called when the child exits, before the group is cleared.
  using ExitObserver = std::function<void(const process::ExitStatus&)>;

  Supervisor(uv_loop_t* loop, process::Spawner& spawner, const ProcessConfig& process,
             const SignalsConfig& signals);

  // Starts the service; false (with a logged reason) when it could not be started.
  bool start(DoneCallback on_done);
  void on_exit(ExitObserver observer) { exit_observers_.push_back(std::move(observer)); }
  // Edits the child's complete environment before it starts (NOTIFY_SOCKET, ...).
  void set_env_editor(std::function<void(std::vector<std::string>&)> editor) {
    env_editor_ = std::move(editor);
  }
  // Passes the child its own pid in this variable (WATCHDOG_PID).
  void set_pid_variable(std::string name) { pid_variable_ = std::move(name); }
  // Told the child's pid right after it was started.
  void on_started(std::function<void(pid_t)> observer) {
    start_observers_.push_back(std::move(observer));
  }

  // Passes a received signal on (after rewrite) to the child or its process group.
  void forward(const ReceivedSignal& sig);
  // Sends a signal to the child, or its group with process.signal_group.
  void signal_child(int signo);
  // Sends a signal to the child's whole process group.
  void signal_group(int signo);

  // Called after every reap: finishes as soon as the cleared group is empty.
  void on_reaped();

  bool child_running() const { return child_pid_ > 0 && !exit_status_; }
  pid_t child_pid() const { return child_pid_; }
  const std::optional<process::ExitStatus>& exit_status() const { return exit_status_; }
  // The exit code graced should exit with for the child's status (exit_code_map applied).
  int exit_code_for(const process::ExitStatus& status) const;

 private:
  void on_child_exit(const process::ExitStatus& status);
  void clear_group();
  bool group_empty() const;
  void finish();

  uv_loop_t* loop_;
  process::Spawner& spawner_;
  const ProcessConfig& process_;
  const SignalsConfig& signals_;
  pid_t child_pid_ = 0;
  std::optional<process::ExitStatus> exit_status_;
  DoneCallback on_done_;
  std::vector<ExitObserver> exit_observers_;
  std::function<void(std::vector<std::string>&)> env_editor_;
  std::vector<std::function<void(pid_t)>> start_observers_;
  std::string pid_variable_;
  loop::Timer orphan_deadline_;
  loop::Timer group_poll_;
  bool clearing_ = false;
  bool finished_ = false;
};

}  // namespace graced::supervisor
