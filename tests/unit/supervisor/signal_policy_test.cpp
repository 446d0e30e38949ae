#include "supervisor/signal_policy.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <map>

namespace graced::supervisor {
namespace {

constexpr pid_t kSelf = 1;      // graced as PID 1
constexpr pid_t kOther = 4242;  // some other process, e.g. `kill` run by an operator

ReceivedSignal sig(int signo, int code, pid_t sender) {
  return ReceivedSignal{signo, code, sender};
}

TEST(SignalPolicy, ChildExitsAreGracedsOwn) {
  EXPECT_FALSE(should_forward(sig(SIGCHLD, CLD_EXITED, kOther), kSelf));
  EXPECT_FALSE(should_forward(sig(SIGCHLD, SI_USER, kOther), kSelf));
}

TEST(SignalPolicy, SignalsFromOtherProcessesAreForwarded) {
  for (int signo : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM}) {
    EXPECT_TRUE(should_forward(sig(signo, SI_USER, kOther), kSelf)) << signo;
    EXPECT_TRUE(should_forward(sig(signo, SI_QUEUE, kOther), kSelf)) << signo;
  }
  EXPECT_TRUE(should_forward(sig(SIGRTMIN + 3, SI_QUEUE, kOther), kSelf));
}

TEST(SignalPolicy, SignalFromOutsideThePidNamespaceIsForwarded) {
  // `docker stop` sends from outside the container's namespace: si_pid reads as 0.
  EXPECT_TRUE(should_forward(sig(SIGTERM, SI_USER, 0), kSelf));
}

TEST(SignalPolicy, SignalsGracedSentItselfAreNotForwarded) {
  // The kernel's SIGPIPE for a write to a closed socket comes as SI_USER from graced.
  EXPECT_FALSE(should_forward(sig(SIGPIPE, SI_USER, kSelf), kSelf));
  EXPECT_FALSE(should_forward(sig(SIGUSR1, SI_TKILL, kSelf), kSelf));
  EXPECT_FALSE(should_forward(sig(SIGUSR1, SI_QUEUE, kSelf), kSelf));
  // Not PID 1: the pid that counts is graced's own.
  EXPECT_FALSE(should_forward(sig(SIGPIPE, SI_USER, 777), 777));
  EXPECT_TRUE(should_forward(sig(SIGPIPE, SI_USER, 777), 778));
}

TEST(SignalPolicy, KernelJobControlStopsAreNotForwarded) {
  EXPECT_FALSE(should_forward(sig(SIGTTIN, SI_KERNEL, 0), kSelf));
  EXPECT_FALSE(should_forward(sig(SIGTTOU, SI_KERNEL, 0), kSelf));
  // Sent on purpose by another process, they are meant for the service.
  EXPECT_TRUE(should_forward(sig(SIGTTIN, SI_USER, kOther), kSelf));
  EXPECT_TRUE(should_forward(sig(SIGTTOU, SI_USER, kOther), kSelf));
}

TEST(SignalPolicy, TerminalSignalsAreForwarded) {
  // Ctrl-C, Ctrl-\, Ctrl-Z and a resized window all come from the kernel.
  EXPECT_TRUE(should_forward(sig(SIGINT, SI_KERNEL, 0), kSelf));
  EXPECT_TRUE(should_forward(sig(SIGQUIT, SI_KERNEL, 0), kSelf));
  EXPECT_TRUE(should_forward(sig(SIGTSTP, SI_KERNEL, 0), kSelf));
  EXPECT_TRUE(should_forward(sig(SIGWINCH, SI_KERNEL, 0), kSelf));
  EXPECT_TRUE(should_forward(sig(SIGHUP, SI_KERNEL, 0), kSelf));
}

TEST(SignalPolicy, FaultSignalsSentWithKillAreForwarded) {
  for (int signo : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT}) {
    EXPECT_TRUE(should_forward(sig(signo, SI_USER, kOther), kSelf)) << signo;
    EXPECT_TRUE(should_forward(sig(signo, SI_TKILL, kOther), kSelf)) << signo;
  }
}

TEST(SignalPolicy, SynchronousFaultsAreNotForwarded) {
  EXPECT_FALSE(should_forward(sig(SIGSEGV, SEGV_MAPERR, 0), kSelf));
  EXPECT_FALSE(should_forward(sig(SIGSEGV, SEGV_ACCERR, 0), kSelf));
  EXPECT_FALSE(should_forward(sig(SIGBUS, BUS_ADRERR, 0), kSelf));
  EXPECT_FALSE(should_forward(sig(SIGFPE, FPE_INTDIV, 0), kSelf));
  EXPECT_FALSE(should_forward(sig(SIGILL, ILL_ILLOPC, 0), kSelf));
  EXPECT_FALSE(should_forward(sig(SIGSEGV, SI_KERNEL, 0), kSelf));
}

TEST(SignalPolicy, UncatchableSignalsAreNeverForwarded) {
  EXPECT_FALSE(should_forward(sig(SIGKILL, SI_USER, kOther), kSelf));
  EXPECT_FALSE(should_forward(sig(SIGSTOP, SI_USER, kOther), kSelf));
}

TEST(SignalRewrite, MapsOnlyTheSignalsListed) {
  const std::map<int, int> rewrite{{SIGHUP, SIGUSR1}, {SIGTERM, SIGQUIT}};
  EXPECT_EQ(rewrite_signal(SIGHUP, rewrite), SIGUSR1);
  EXPECT_EQ(rewrite_signal(SIGTERM, rewrite), SIGQUIT);
  EXPECT_EQ(rewrite_signal(SIGINT, rewrite), SIGINT);
  EXPECT_EQ(rewrite_signal(SIGUSR1, rewrite), SIGUSR1);  // not transitive
  EXPECT_EQ(rewrite_signal(SIGWINCH, {}), SIGWINCH);
}

}  // namespace
}  // namespace graced::supervisor
