// Under a terminal, the child becomes the terminal's foreground process group, so that
// Ctrl-C and job control reach it.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>

#include "harness/paths.hpp"
#include "harness/proc.hpp"

namespace graced::test {
namespace {

// graced started on a new pseudo-terminal as the session leader that owns it.
class OnTerminal {
 public:
  explicit OnTerminal(const std::vector<std::string>& graced_args) {
    std::vector<std::string> args{kGracedBinary};
    args.insert(args.end(), graced_args.begin(), graced_args.end());
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = forkpty(&master_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~OnTerminal() {
    if (pid_ > 0 && !exit_code_) {
      kill_process_tree(pid_);
      waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) close(master_);
  }
  OnTerminal(const OnTerminal&) = delete;
  OnTerminal& operator=(const OnTerminal&) = delete;

  bool started() const { return pid_ > 0; }

  // Everything written to the terminal until graced exits (the terminal then hangs up),
  // or until the timeout.
  std::string read_all(std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{master_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buf[1024];
      ssize_t n = read(master_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // EIO: no process has the terminal open any more
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

  std::optional<int> wait() {
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) return std::nullopt;
    exit_code_ = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    return exit_code_;
  }

 private:
  int master_ = -1;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

TEST(Terminal, ChildIsTheTerminalsForegroundProcessGroup) {
  OnTerminal graced(run_test_child({"print-foreground"}));
  ASSERT_TRUE(graced.started());
  const std::string output = graced.read_all(std::chrono::seconds(10));
  EXPECT_NE(output.find("foreground=yes"), std::string::npos) << output;
  EXPECT_EQ(graced.wait(), 0) << output;
}

}  // namespace
}  // namespace graced::test
