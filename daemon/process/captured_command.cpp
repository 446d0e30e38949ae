#include "process/captured_command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "log/log.hpp"

namespace graced::process {
namespace {

// Reads per wake-up (64 KiB each): a command writing without pause cannot keep the loop
// from everything else.
constexpr int kMaxReadsPerWakeup = 16;

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

CapturedCommand::~CapturedCommand() {
  kill();
}

std::optional<std::string> CapturedCommand::start(SpawnRequest request, Output output, Done done) {
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
  auto spawned =
      spawner_.spawn(request, [this](pid_t, const ExitStatus& status) { on_exit(status); });
  ::close(fds[1]);
  ::close(dev_null);
  if (const auto* err = std::get_if<std::string>(&spawned)) {
    ::close(fds[0]);
    return *err;
  }
  pid_ = std::get<pid_t>(spawned);
  pipe_ = fds[0];
  output_ = std::move(output);
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
    log::warn("cannot watch a command's output",
              {{"command", request.argv.front()}, {"error", e.what()}});
    poll_ = loop::Poll();
  }
  return std::nullopt;
}

void CapturedCommand::read_output() {
  char buf[65536];
  for (int i = 0; i < kMaxReadsPerWakeup && pipe_ >= 0; ++i) {
    const ssize_t n = ::read(pipe_, buf, sizeof buf);
    if (n > 0) {
      if (output_) output_(std::string_view(buf, static_cast<std::size_t>(n)));
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

void CapturedCommand::close_pipe() {
  poll_.close();  // stop polling before the descriptor is closed
  if (pipe_ >= 0) {
    ::close(pipe_);
    pipe_ = -1;
  }
}

void CapturedCommand::on_exit(const ExitStatus& status) {
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
  output_ = nullptr;
  auto done = std::move(done_);
  done_ = nullptr;
  // Last: `done` may destroy this object.
  if (done) done(status);
}

void CapturedCommand::kill() {
  if (pid_ > 0) {
    // Not reaped yet, so the pid is still this command's. Before its setsid it does
    // not lead a group yet: then it is signalled alone.
    if (::kill(-pid_, SIGKILL) != 0 && errno == ESRCH) ::kill(pid_, SIGKILL);
    spawner_.forget(pid_);
    pid_ = 0;
    read_output();
  }
  close_pipe();
  output_ = nullptr;
  done_ = nullptr;
}

}  // namespace graced::process
