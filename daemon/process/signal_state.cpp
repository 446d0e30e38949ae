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

GRACED_CHILD_CODE void InheritedSignals::restore_in_child() const noexcept {
  for (int signo = 1; signo < NSIG; ++signo) {
    if (signo == SIGKILL || signo == SIGSTOP) continue;
    struct sigaction sa {};
    sa.sa_handler = sigismember(&ignored_, signo) == 1 ? SIG_IGN : SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(signo, &sa, nullptr);  // fails harmlessly for the libc-reserved signals
  }
  sigprocmask(SIG_SETMASK, &mask_, nullptr);
}

}  // namespace graced::process
