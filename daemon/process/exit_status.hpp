// How a process ended, and the status a shell (and graced) reports for it.
#pragma once

#include <optional>
#include <string>

namespace graced::process {

// Why exec failed, carried from the child through a close-on-exec pipe.
struct ExecFailure {
  std::string stage;  // "exec", "chdir", "setuid", ...
  int error = 0;      // errno

  // 127 when the program was not found, 126 when it exists but cannot be executed.
  int exit_code() const;
  std::string describe() const;  // "No such file or directory"
};

struct ExitStatus {
  bool signaled = false;
  int code = 0;   // exit code when !signaled
  int signo = 0;  // signal when signaled
  bool core_dumped = false;
  std::optional<ExecFailure> exec_failure;

  static ExitStatus from_wait_status(int status);
  // The exit code a shell would report: code, or 128+signal.
  int shell_code() const;
  bool success() const { return !signaled && code == 0 && !exec_failure; }
  std::string describe() const;  // "exited with code 3", "killed by SIGKILL"
};

}  // namespace graced::process
