// Which received signals are passed on to the service, and as what.
#pragma once

#include <sys/types.h>

#include <map>

#include "supervisor/signal_source.hpp"

namespace graced::supervisor {

// True when `sig` was meant for the service: sent by another process (including SEGV,
// ABRT and friends sent with kill), or by the terminal (SIGINT, SIGTSTP, SIGWINCH). False for
// SIGCHLD (graced reaps), for signals graced raised itself (SIGPIPE from a write to a
// closed socket) and for the kernel's job-control stops aimed at graced.
bool should_forward(const ReceivedSignal& sig, pid_t self);

// The signal to send for a received one, after [signals] rewrite.
int rewrite_signal(int signo, const std::map<int, int>& rewrite);

}  // namespace graced::supervisor
