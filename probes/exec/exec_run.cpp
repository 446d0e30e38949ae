#include "probes/exec/exec_run.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace graced::probes {
namespace {

// Reads per wake-up (64 KiB each): a command writing without pause cannot keep the loop
// from everything else.
constexpr int kMaxReadsPerWakeup = 16;

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// Only for a command not reaped yet, whose pid cannot have been reused.
void kill_running(pid_t leader) {
  // Between fork and setsid the child does not lead a group yet: then signal it alone.
  if (::kill(-leader, SIGKILL) != 0 && errno == ESRCH) ::kill(leader, SIGKILL);
}

}  // namespace

ExecRun::~ExecRun() {
  kill();
}

std::optional<std::string> ExecRun::start(process::SpawnRequest request, Done done) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno_text("pipe2");
  const int dev_null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (dev_null < 0) {
    auto err = errno_text("open /dev/null");
    ::close(fds[0]);
    ::close(fds[1]);
    return err;
  }
  // Only graced's end is non-blocking: the command sees an ordinary pipe.
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  request.stdin_fd = dev_null;
  request.stdout_fd = fds[1];
  request.stderr_fd = fds[1];
  request.foreground_terminal = false;  // its own session, so its group can be killed
  auto spawned = spawner_.spawn(
      request, [this](pid_t, const process::ExitStatus& status) { on_exit(status); });
  ::close(fds[1]);
  ::close(dev_null);
  if (const auto* err = std::get_if<std::string>(&spawned)) {
    ::close(fds[0]);
    return *err;
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
  } catch (const std::exception&) {
    // Without the poll the output is still read once the command exits; a command filling
    // the pipe before then is killed by the timeout.
    poll_ = loop::Poll();
  }
  return std::nullopt;
}

void ExecRun::read_output() {
  char buf[65536];
  for (int i = 0; i < kMaxReadsPerWakeup && pipe_ >= 0; ++i) {
    const ssize_t n = ::read(pipe_, buf, sizeof buf);
    if (n > 0) {
      output_.append(buf, static_cast<std::size_t>(n));
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

void ExecRun::close_pipe() {
  poll_.close();  // stop polling before the descriptor is closed
  if (pipe_ >= 0) {
    ::close(pipe_);
    pipe_ = -1;
  }
}

void ExecRun::on_exit(const process::ExitStatus& status) {
  const pid_t leader = pid_;
  pid_ = 0;
  // Everything the command wrote is in the pipe now; a process it left behind may still
  // be writing, and is not waited for.
  read_output();
  close_pipe();
  // The group outlives its leader while a member lives, and its id cannot be reused
  // meanwhile; an empty group is ESRCH (pids are handed out in a cycle, so in the moment
  // since the reap the id cannot have become another group's).
  ::kill(-leader, SIGKILL);
  auto done = std::move(done_);
  done_ = nullptr;
  // Last: `done` may destroy this run.
  if (done) done(status, output_.text());
}

void ExecRun::kill() {
  if (pid_ > 0) {
    kill_running(pid_);
    spawner_.forget(pid_);
    pid_ = 0;
  }
  close_pipe();
  done_ = nullptr;
}

}  // namespace graced::probes
