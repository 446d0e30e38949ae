// A command run through the spawner with stdin from /dev/null and its stdout and stderr
// into one pipe read on the loop: exec checks and exec hooks. The command leads its own
// process group (the spawner's setsid), which is how kill() reaches everything it
// started; when it exits, what is left of its group is killed too, so a background
// process holding the pipe open can neither delay the end nor outlive the command.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "loop/handle.hpp"
#include "process/spawner.hpp"

namespace graced::process {

class CapturedCommand {
 public:
  // Bytes as the command writes them.
  using Output = std::function<void(std::string_view bytes)>;
  // Once, when the command has exited, after the last output.
  using Done = std::function<void(const ExitStatus& status)>;

  CapturedCommand(uv_loop_t* loop, Spawner& spawner) : loop_(loop), spawner_(spawner) {}
  // Kills whatever is still running.
  ~CapturedCommand();
  CapturedCommand(const CapturedCommand&) = delete;
  CapturedCommand& operator=(const CapturedCommand&) = delete;

  // Spawns the command (whatever `request` says about stdin, stdout and stderr). Returns
  // why it could not be started, or nullopt.
  std::optional<std::string> start(SpawnRequest request, Output output, Done done);

  // SIGKILLs the whole process group after reading what it wrote so far; `done` will not
  // be called. The spawner still reaps the command.
  void kill();

  pid_t pid() const { return pid_; }

 private:
  void read_output();
  void close_pipe();
  void on_exit(const ExitStatus& status);

  uv_loop_t* loop_;
  Spawner& spawner_;
  pid_t pid_ = 0;
  int pipe_ = -1;
  loop::Poll poll_;
  Output output_;
  Done done_;
};

}  // namespace graced::process
