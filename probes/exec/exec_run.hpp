// One run of a command through the spawner, with its stdout and stderr captured through
// one pipe read on the loop. The command leads its own process group (the spawner's
// setsid), which is how kill() reaches everything it started.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "loop/handle.hpp"
#include "probes/exec/captured_output.hpp"
#include "process/spawner.hpp"

namespace graced::probes {

class ExecRun {
 public:
  // Only the first this many bytes of output are kept.
  static constexpr std::size_t kOutputLimit = 4096;
  using Done = std::function<void(const process::ExitStatus& status, std::string output)>;

  ExecRun(uv_loop_t* loop, process::Spawner& spawner) : loop_(loop), spawner_(spawner) {}
  // Kills whatever is still running.
  ~ExecRun();
  ExecRun(const ExecRun&) = delete;
  ExecRun& operator=(const ExecRun&) = delete;

  // Spawns the command with stdin on /dev/null and stdout and stderr on the capture pipe
  // (whatever `request` says about them). `done` is called once, when the command has
  // exited: its output is what was in the pipe by then, trimmed, at most kOutputLimit
  // bytes. What is left of the command's process group at that point is killed, so a
  // background process holding the pipe open can neither delay the result nor outlive
  // the run. Returns an error message when the command could not be started.
  std::optional<std::string> start(process::SpawnRequest request, Done done);

  // SIGKILLs the whole process group; `done` will not be called. The spawner still reaps
  // the command.
  void kill();

  pid_t pid() const { return pid_; }

 private:
  void read_output();
  void close_pipe();
  void on_exit(const process::ExitStatus& status);

  uv_loop_t* loop_;
  process::Spawner& spawner_;
  pid_t pid_ = 0;
  int pipe_ = -1;
  loop::Poll poll_;
  CapturedOutput output_{kOutputLimit};
  Done done_;
};

}  // namespace graced::probes
