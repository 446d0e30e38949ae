#include "hooks/exec_hook.hpp"

#include <csignal>

#include "log/log.hpp"
#include "process/environment.hpp"

namespace graced::hooks {
namespace {

void log_line(const std::string& hook, std::string_view line, bool cut) {
  if (cut) {
    log::info("hook output", {{"hook", hook}, {"line", line}, {"truncated", true}});
  } else {
    log::info("hook output", {{"hook", hook}, {"line", line}});
  }
}

}  // namespace

ExecHook::ExecHook(uv_loop_t* loop, process::Spawner& spawner, std::string name,
                   const ExecAction& action)
    : name_(std::move(name)),
      command_(loop, spawner),
      lines_([this](std::string_view line, bool cut) { log_line(name_, line, cut); }) {
  request_.argv = action.command;
  request_.env = process::environment_with(action.env);
  request_.workdir = action.workdir;
  request_.pdeathsig = SIGKILL;  // a hook must not outlive graced
}

ExecHook::~ExecHook() {
  cancel();
}

void ExecHook::start(Done done) {
  cancel();
  done_ = std::move(done);
  auto error = command_.start(
      request_, [this](std::string_view bytes) { lines_.feed(bytes); },
      [this](const process::ExitStatus& status) { on_exit(status); });
  if (error) {
    HookResult r;
    r.message =
        "cannot run \"" + (request_.argv.empty() ? "" : request_.argv.front()) + "\": " + *error;
    auto failed = std::move(done_);
    done_ = nullptr;
    failed(std::move(r));
  }
}

void ExecHook::on_exit(const process::ExitStatus& status) {
  // The command and what it left in its group are gone, its output read.
  lines_.flush();
  HookResult r;
  r.ok = status.success();
  r.exit_code = status.shell_code();
  if (status.exec_failure) {
    r.message = "cannot run \"" + request_.argv.front() + "\": " + status.describe();
  } else {
    r.message = status.describe();
  }
  auto done = std::move(done_);
  done_ = nullptr;
  // Last: `done` may destroy this hook.
  if (done) done(std::move(r));
}

void ExecHook::cancel() {
  // What the command wrote until now is logged.
  command_.kill();
  lines_.flush();
  done_ = nullptr;
}

}  // namespace graced::hooks
