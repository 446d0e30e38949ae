#include "process/exit_status.hpp"

#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "config/signal_names.hpp"

namespace graced::process {

int ExecFailure::exit_code() const {
  if (stage == "exec" && (error == ENOENT || error == ENOTDIR)) return 127;
  return 126;
}

std::string ExecFailure::describe() const {
  return std::strerror(error);
}

ExitStatus ExitStatus::from_wait_status(int status) {
  ExitStatus s;
  if (WIFSIGNALED(status)) {
    s.signaled = true;
    s.signo = WTERMSIG(status);
    s.core_dumped = WCOREDUMP(status);
  } else {
    s.code = WEXITSTATUS(status);
  }
  return s;
}

int ExitStatus::shell_code() const {
  if (exec_failure) return exec_failure->exit_code();
  return signaled ? 128 + signo : code;
}

std::string ExitStatus::describe() const {
  if (exec_failure) return exec_failure->stage + " failed: " + exec_failure->describe();
  if (signaled) {
    return "killed by " + config::signal_name(signo) + (core_dumped ? " (core dumped)" : "");
  }
  return "exited with code " + std::to_string(code);
}

}  // namespace graced::process
