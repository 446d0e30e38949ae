// An exec hook: the command runs through the one spawner, leading its own process group
// (the spawner's setsid), stdin from /dev/null, stdout and stderr into one pipe read on
// the loop and logged line by line under the hook's name.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <string>
#include <vector>

#include "hooks/hook_action.hpp"
#include "hooks/hook_config.hpp"
#include "hooks/output_lines.hpp"
#include "process/captured_command.hpp"
#include "process/spawner.hpp"

namespace graced::hooks {

class ExecHook : public HookAction {
 public:
  ExecHook(uv_loop_t* loop, process::Spawner& spawner, std::string name, const ExecAction& action);
  // Kills whatever is still running.
  ~ExecHook() override;
  ExecHook(const ExecHook&) = delete;
  ExecHook& operator=(const ExecHook&) = delete;

  void start(Done done) override;
  // SIGKILLs the whole process group and forgets the pid (the spawner still reaps it);
  // what the command wrote until then is logged.
  void cancel() override;

  pid_t pid() const { return command_.pid(); }

 private:
  void on_exit(const process::ExitStatus& status);

  std::string name_;
  process::SpawnRequest request_;
  process::CapturedCommand command_;
  OutputLines lines_;
  Done done_;
};

}  // namespace graced::hooks
