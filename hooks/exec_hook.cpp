#include "hooks/exec_hook.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "log/log.hpp"

extern char** environ;

namespace graced::hooks {
namespace {

// Reads per wake-up (64 KiB each): a hook writing without pause cannot keep the loop
// from everything else.
constexpr int kMaxReadsPerWakeup = 16;

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

std::vector<std::string> environment_with(
    const std::vector<std::pair<std::string, std::string>>& added) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const std::string_view key = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& [k, v] : added)
      if (k == key) replaced = true;
    if (!replaced) env.emplace_back(entry);
  }
  for (const auto& [k, v] : added)
    env.push_back(k + "=" + v);
  return env;
}

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
    : loop_(loop),
      spawner_(spawner),
      name_(std::move(name)),
      lines_([this](std::string_view line, bool cut) { log_line(name_, line, cut); }) {
  request_.argv = action.command;
  request_.env = environment_with(action.env);
  request_.workdir = action.workdir;
  request_.pdeathsig = SIGKILL;  // a hook must not outlive graced
}

ExecHook::~ExecHook() {
  cancel();
}

void ExecHook::start(Done done) {
  cancel();
  const std::string command = request_.argv.empty() ? "" : request_.argv.front();
  auto cannot_run = [&](const std::string& why) {
    HookResult r;
    r.message = "cannot run \"" + command + "\": " + why;
    done(std::move(r));
  };
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return cannot_run(errno_text("pipe2"));
  const int dev_null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (dev_null < 0) {
    const std::string err = errno_text("open /dev/null");
    ::close(fds[0]);
    ::close(fds[1]);
    return cannot_run(err);
  }
  // Only graced's end is non-blocking: the command sees an ordinary pipe.
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  request_.stdin_fd = dev_null;
  request_.stdout_fd = fds[1];
  request_.stderr_fd = fds[1];
  auto spawned = spawner_.spawn(
      request_, [this](pid_t, const process::ExitStatus& status) { on_exit(status); });
  ::close(fds[1]);
  ::close(dev_null);
  if (const auto* err = std::get_if<std::string>(&spawned)) {
    ::close(fds[0]);
    return cannot_run(*err);
  }
  pid_ = std::get<pid_t>(spawned);
  pipe_ = fds[0];
  done_ = std::move(done);
  try {
    poll_ = loop::Poll(loop_, pipe_);
    poll_.start(UV_READABLE, [this](int status, int) {
      if (status < 0) {
        close_pipe();
      } else {
        read_output();
      }
    });
  } catch (const std::exception& e) {
    // Without the poll the output is still read once the command exits; a command that
    // fills the pipe before then is killed at its timeout.
    log::warn("cannot watch a hook's output", {{"hook", name_}, {"error", e.what()}});
    poll_ = loop::Poll();
  }
}

void ExecHook::read_output() {
  char buf[65536];
  for (int i = 0; i < kMaxReadsPerWakeup && pipe_ >= 0; ++i) {
    const ssize_t n = ::read(pipe_, buf, sizeof buf);
    if (n > 0) {
      lines_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    } else if (n == 0) {
      close_pipe();  // every writer is gone
    } else if (errno == EINTR) {
      continue;
    } else {
      if (errno != EAGAIN && errno != EWOULDBLOCK) close_pipe();
      return;
    }
  }
}

void ExecHook::close_pipe() {
  poll_.close();  // stop polling before the descriptor is closed
  if (pipe_ >= 0) {
    ::close(pipe_);
    pipe_ = -1;
  }
}

void ExecHook::on_exit(const process::ExitStatus& status) {
  const pid_t leader = pid_;
  pid_ = 0;
  // Everything the command wrote is in the pipe now; a process it left behind may still
  // be writing, and is not waited for.
  read_output();
  close_pipe();
  lines_.flush();
  // A hook ends with its command: what it left in its group is killed. The group
  // outlives its leader while a member lives, so its id cannot have been reused; an
  // empty group is ESRCH.
  ::kill(-leader, SIGKILL);

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
  if (pid_ > 0) {
    // Not reaped yet, so the pid is still this command's. Between fork and setsid it
    // does not lead a group yet: then it is signalled alone.
    if (::kill(-pid_, SIGKILL) != 0 && errno == ESRCH) ::kill(pid_, SIGKILL);
    spawner_.forget(pid_);
    pid_ = 0;
    read_output();
    lines_.flush();
  }
  close_pipe();
  done_ = nullptr;
}

}  // namespace graced::hooks
