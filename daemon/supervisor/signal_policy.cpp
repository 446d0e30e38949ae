#include "supervisor/signal_policy.hpp"

#include <csignal>

namespace graced::supervisor {

bool should_forward(const ReceivedSignal& sig, pid_t self) {
  switch (sig.signo) {
    case SIGCHLD:
    case SIGKILL:
    case SIGSTOP:
      return false;
    default:
      break;
  }
  // Sent by graced to itself: the kernel's SIGPIPE for a write to a closed socket arrives
  // as SI_USER from our own pid, and raise()/sigqueue() give SI_TKILL/SI_QUEUE. Codes
  // <= 0 are the ones a process sends; positive codes come from the kernel.
  if (sig.sender == self && sig.code <= 0) return false;
  // Kernel-generated job control for graced's own (never attempted) terminal access.
  // SIGTSTP is not among them: from the kernel it is the user's Ctrl-Z, meant for the
  // service like Ctrl-C's SIGINT.
  if (sig.code == SI_KERNEL && (sig.signo == SIGTTIN || sig.signo == SIGTTOU)) return false;
  // Synchronous faults carry a positive si_code (SEGV_MAPERR, ...); they are graced's own
  // and never reach a signalfd anyway. The same signals sent with kill() have si_code <= 0.
  switch (sig.signo) {
    case SIGSEGV:
    case SIGBUS:
    case SIGFPE:
    case SIGILL:
    case SIGTRAP:
    case SIGSYS:
      return sig.code <= 0;
    default:
      return true;
  }
}

int rewrite_signal(int signo, const std::map<int, int>& rewrite) {
  auto it = rewrite.find(signo);
  return it == rewrite.end() ? signo : it->second;
}

}  // namespace graced::supervisor
