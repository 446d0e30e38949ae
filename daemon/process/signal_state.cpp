#include "process/signal_state.hpp"

#include "process/child_code.hpp"

namespace graced::process {

InheritedSignals InheritedSignals::capture() {
  InheritedSignals s;
  sigprocmask(SIG_SETMASK, nullptr, &s.mask_);
  sigemptyset(&s.ignored_);
  for (int signo = 1; signo < NSIG; ++signo) {
    struct sigaction sa {};
    if (sigaction(signo, nullptr, &sa) == 0 && sa.sa_handler == SIG_IGN) {
      sigaddset(&s.ignored_, signo);
    }
  }
  return s;
}

namespace {

// Stands in for the default action of the stop signals until exec, which resets it: a
// child stopped before its exec would hold graced, suspended until that exec, for as long
// as it stays stopped.
GRACED_CHILD_CODE void ignore_until_exec(int) {}

bool is_stop_signal(int signo) {
  return signo == SIGTSTP || signo == SIGTTIN || signo == SIGTTOU;
}

}  // namespace

GRACED_CHILD_CODE void InheritedSignals::restore_in_child() const noexcept {
  for (int signo = 1; signo < NSIG; ++signo) {
    if (signo == SIGKILL || signo == SIGSTOP) continue;
    struct sigaction sa {};
    if (sigismember(&ignored_, signo) == 1) {
      sa.sa_handler = SIG_IGN;
    } else if (is_stop_signal(signo)) {
      sa.sa_handler = ignore_until_exec;
    } else {
      sa.sa_handler = SIG_DFL;
    }
    sigemptyset(&sa.sa_mask);
    sigaction(signo, &sa, nullptr);  // fails harmlessly for the libc-reserved signals
  }
  sigprocmask(SIG_SETMASK, &mask_, nullptr);
}

}  // namespace graced::process
