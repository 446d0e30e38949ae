// The signal state graced inherited, captured before graced changes anything, so that
// every child starts with exactly that state: the same blocked mask and the same ignored
// signals (tini's contract), whatever graced itself does with signals.
#pragma once

#include <csignal>

namespace graced::process {

class InheritedSignals {
 public:
  // Records the current mask and which signals are ignored. Call first thing in main().
  static InheritedSignals capture();

  // In a spawned child, before exec: every disposition back to the default except the
  // inherited ignores, and the inherited mask. The stop signals (SIGTSTP, SIGTTIN, SIGTTOU)
  // get a handler that does nothing until the exec resets them to the default: one that
  // arrives in between is lost rather than stopping the child. Only async-signal-safe
  // calls.
  void restore_in_child() const noexcept;

  const sigset_t& mask() const { return mask_; }
  bool ignored(int signo) const { return sigismember(&ignored_, signo) == 1; }

 private:
  sigset_t mask_{};
  sigset_t ignored_{};
};

}  // namespace graced::process
