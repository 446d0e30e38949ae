// Every catchable signal is blocked in graced and read from a signalfd on the event loop:
// signals become ordinary events with their sender (si_pid, si_code), nothing runs in a
// signal handler, and SIGTTIN/SIGTTOU/SIGTSTP can never stop graced.
#pragma once

#include <sys/signalfd.h>
#include <sys/types.h>

#include <functional>

#include "loop/handle.hpp"

namespace graced::supervisor {

struct ReceivedSignal {
  int signo = 0;
  int code = 0;      // si_code: SI_USER, SI_QUEUE, SI_TKILL, SI_KERNEL, ...
  pid_t sender = 0;  // si_pid for signals sent by a process
};

class SignalSource {
 public:
  using Handler = std::function<void(const ReceivedSignal&)>;

  // Blocks all signals for graced. Call before any thread could be created.
  static void block_all();

  SignalSource(uv_loop_t* loop, Handler handler);
  ~SignalSource();
  SignalSource(const SignalSource&) = delete;
  SignalSource& operator=(const SignalSource&) = delete;

  // Drains whatever is pending now (used at start and before exit).
  void drain();

 private:
  int fd_ = -1;
  loop::Poll poll_;
  Handler handler_;
};

}  // namespace graced::supervisor
