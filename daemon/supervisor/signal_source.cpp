#include "supervisor/signal_source.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>

namespace graced::supervisor {

void SignalSource::block_all() {
  sigset_t all;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, nullptr);
}

SignalSource::SignalSource(uv_loop_t* loop, Handler handler) : handler_(std::move(handler)) {
  sigset_t all;
  sigfillset(&all);
  fd_ = signalfd(-1, &all, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error(std::string("signalfd: ") + std::strerror(errno));
  poll_ = loop::Poll(loop, fd_);
  poll_.start(UV_READABLE, [this](int, int) { drain(); });
}

SignalSource::~SignalSource() {
  poll_.close();
  if (fd_ >= 0) close(fd_);
}

void SignalSource::drain() {
  signalfd_siginfo info[16];
  while (true) {
    ssize_t n = read(fd_, info, sizeof info);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    size_t count = static_cast<size_t>(n) / sizeof(signalfd_siginfo);
    for (size_t i = 0; i < count; ++i) {
      handler_(ReceivedSignal{static_cast<int>(info[i].ssi_signo), info[i].ssi_code,
                              static_cast<pid_t>(info[i].ssi_pid)});
    }
  }
}

}  // namespace graced::supervisor
