#include "supervisor/supervisor.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "config/signal_names.hpp"
#include "log/log.hpp"
#include "process/environment.hpp"
#include "supervisor/signal_policy.hpp"

namespace graced::supervisor {

namespace {
// After SIGKILL, how long to wait for the kernel to finish the group before exiting anyway
// (a process stuck in uninterruptible sleep must not keep graced, and the pod, alive).
constexpr std::uint64_t kAfterKillMs = 1000;
// While clearing the group, how often to look whether anything is left: exits of
// processes whose parent is still alive do not notify graced.
constexpr std::uint64_t kGroupPollMs = 20;
}  // namespace

Supervisor::Supervisor(uv_loop_t* loop, process::Spawner& spawner, const ProcessConfig& process,
                       const SignalsConfig& signals)
    : loop_(loop),
      spawner_(spawner),
      process_(process),
      signals_(signals),
      orphan_deadline_(loop),
      group_poll_(loop) {}

bool Supervisor::start(DoneCallback on_done) {
  on_done_ = std::move(on_done);
  process::SpawnRequest req;
  req.argv = process_.command;
  req.env = process::environment_with(process_.env);
  if (env_editor_) env_editor_(req.env);
  req.pid_variable = pid_variable_;
  req.workdir = process_.workdir;
  req.foreground_terminal = true;
  req.pdeathsig = process_.pdeathsig;
  // The one spawn that waits for its exec: the service's, once, at start-up.
  req.suspend_until_exec = true;
  if (!process_.user.empty() || !process_.group.empty()) {
    auto creds = process::resolve_credentials(process_.user, process_.group);
    if (auto* err = std::get_if<std::string>(&creds)) {
      log::error("cannot start the service: " + *err);
      return false;
    }
    req.credentials = std::get<process::Credentials>(creds);
  }
  auto result = spawner_.spawn(
      req, [this](pid_t, const process::ExitStatus& status) { on_child_exit(status); });
  if (auto* err = std::get_if<std::string>(&result)) {
    log::error("cannot start the service: " + *err);
    return false;
  }
  child_pid_ = std::get<pid_t>(result);
  log::info("child started",
            {{"pid", static_cast<long>(child_pid_)}, {"command", process_.command.front()}});
  for (auto& observer : start_observers_)
    observer(child_pid_);
  return true;
}

void Supervisor::signal_child(int signo) {
  if (!child_running()) return;
  pid_t target = process_.signal_group ? -child_pid_ : child_pid_;
  int rc = kill(target, signo);
  // A child not yet past its setsid (possible where the spawn is a plain fork, as under
  // valgrind) leads no process group yet: it is signalled alone.
  if (rc != 0 && errno == ESRCH && target < 0) rc = kill(child_pid_, signo);
  if (rc != 0 && errno != ESRCH) {
    log::warn("cannot signal the child",
              {{"signal", config::signal_name(signo)}, {"error", std::strerror(errno)}});
  }
}

void Supervisor::signal_group(int signo) {
  if (child_pid_ <= 0) return;
  kill(-child_pid_, signo);
}

void Supervisor::forward(const ReceivedSignal& sig) {
  int out = rewrite_signal(sig.signo, signals_.rewrite);
  if (!child_running()) {
    log::info("signal received", {{"signal", config::signal_name(sig.signo)},
                                  {"sender", static_cast<long>(sig.sender)},
                                  {"forwarded", false}});
    return;
  }
  signal_child(out);
  log::info("signal forwarded", {{"signal", config::signal_name(sig.signo)},
                                 {"sent", config::signal_name(out)},
                                 {"sender", static_cast<long>(sig.sender)},
                                 {"pid", static_cast<long>(child_pid_)},
                                 {"group", process_.signal_group}});
}

int Supervisor::exit_code_for(const process::ExitStatus& status) const {
  int code = status.shell_code();
  if (status.exec_failure) return code;  // graced's own failure, not the child's status
  auto it = process_.exit_code_map.find(code);
  return it == process_.exit_code_map.end() ? code : it->second;
}

void Supervisor::on_child_exit(const process::ExitStatus& status) {
  exit_status_ = status;
  if (status.exec_failure) {
    // A failed chdir is about the directory, not the command: name it.
    const std::string where =
        status.exec_failure->stage == "chdir" ? " in \"" + process_.workdir + "\"" : std::string();
    log::error("cannot run \"" + process_.command.front() + "\"" + where + ": " + status.describe(),
               {{"exit_code", status.exec_failure->exit_code()}});
  } else {
    log::info("child exited", {{"pid", static_cast<long>(child_pid_)},
                               {"status", status.describe()},
                               {"exit_code", status.shell_code()}});
  }
  for (auto& observer : exit_observers_)
    observer(status);
  clear_group();
}

bool Supervisor::group_empty() const {
  return kill(-child_pid_, 0) != 0 && errno == ESRCH;
}

void Supervisor::on_reaped() {
  if (clearing_ && group_empty()) finish();
}

void Supervisor::clear_group() {
  clearing_ = true;
  if (group_empty()) {
    finish();
    return;
  }
  // SIGCONT after SIGTERM so that stopped members wake up to receive it.
  kill(-child_pid_, SIGTERM);
  kill(-child_pid_, SIGCONT);
  log::info("signalled what is left of the child's process group",
            {{"signal", "SIGTERM"},
             {"deadline_ms", static_cast<long long>(process_.orphan_grace.count())}});
  group_poll_.start(
      kGroupPollMs,
      [this] {
        spawner_.reap();
        if (group_empty()) finish();
      },
      kGroupPollMs);
  orphan_deadline_.start(static_cast<std::uint64_t>(process_.orphan_grace.count()), [this] {
    if (group_empty()) {
      finish();
      return;
    }
    log::warn("process group outlived orphan_grace; killing it", {{"signal", "SIGKILL"}});
    kill(-child_pid_, SIGKILL);
    orphan_deadline_.start(kAfterKillMs, [this] {
      log::warn("processes of the group survived SIGKILL; exiting anyway");
      finish();
    });
  });
}

void Supervisor::finish() {
  if (finished_) return;
  finished_ = true;
  group_poll_.stop();
  orphan_deadline_.stop();
  spawner_.reap();
  if (on_done_) on_done_(exit_code_for(*exit_status_));
}

}  // namespace graced::supervisor
