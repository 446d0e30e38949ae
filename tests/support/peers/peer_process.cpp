#include "peers/peer_process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "harness/proc.hpp"
#include "harness/wait.hpp"

namespace graced::test {
namespace {

int open_or_throw(const std::string& path, int flags) {
  int fd = open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  return fd;
}

// Only async-signal-safe calls between fork and exec.
[[noreturn]] void exec_child(char* const* argv, int null_fd, int log_fd,
                             std::optional<RunAs> user) {
  setpgid(0, 0);
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int signo = 1; signo < NSIG; ++signo) {
    if (signo != SIGKILL && signo != SIGSTOP) signal(signo, SIG_DFL);
  }
  dup2(null_fd, STDIN_FILENO);
  dup2(log_fd, STDOUT_FILENO);
  dup2(log_fd, STDERR_FILENO);
  close_range(3, ~0U, 0);
  if (user) {
    if (setgroups(0, nullptr) != 0 || setgid(user->gid) != 0 || setuid(user->uid) != 0) {
      static const char kMsg[] = "peer: cannot drop privileges\n";
      [[maybe_unused]] auto n = write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
      _exit(127);
    }
  }
  execv(argv[0], argv);
  static const char kMsg[] = "peer: exec failed\n";
  [[maybe_unused]] auto n = write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  _exit(127);
}

int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::optional<RunAs> drop_root_to(const std::string& name) {
  if (geteuid() != 0) return std::nullopt;
  passwd* pw = getpwnam(name.c_str());
  if (!pw) throw std::runtime_error("no user \"" + name + "\" to run the peer as");
  return RunAs{pw->pw_uid, pw->pw_gid};
}

PeerProcess::~PeerProcess() {
  kill();
}

void PeerProcess::spawn(const std::vector<std::string>& argv, const std::string& log_path,
                        std::optional<RunAs> user) {
  if (running()) throw std::runtime_error(argv.at(0) + ": already running");
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  int null_fd = open_or_throw("/dev/null", O_RDONLY);
  int log_fd = -1;
  try {
    log_fd = open_or_throw(log_path, O_WRONLY | O_CREAT | O_APPEND);
  } catch (...) {
    close(null_fd);
    throw;
  }
  pid_t pid = fork();
  if (pid == 0) exec_child(cargv.data(), null_fd, log_fd, user);
  int err = errno;
  close(null_fd);
  close(log_fd);
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(err));
  setpgid(pid, pid);  // also done by the child: whichever runs first
  pid_ = pid;
  exit_code_.reset();
}

bool PeerProcess::running() {
  return pid_ > 0 && !wait(std::chrono::milliseconds(0));
}

std::optional<int> PeerProcess::wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return exit_code_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) {
      exit_code_ = r == pid_ ? exit_code_of(status) : -1;
      pid_ = -1;
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::optional<int> PeerProcess::stop(int signo, std::chrono::milliseconds grace) {
  if (!running()) return exit_code_;
  const pid_t group = pid_;
  ::kill(pid_, signo);
  if (auto code = wait(grace)) {
    ::kill(-group, SIGKILL);  // workers the peer did not wait for must not outlive it
    return code;
  }
  kill();
  return exit_code_;
}

void PeerProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  // Workers that left the group (PostgreSQL's children call setsid) die with it too, and
  // are gone before this returns: a restarted postgres refuses to start while its old
  // children still hold the shared memory.
  const auto tree = kill_process_tree(pid_);
  wait(std::chrono::seconds(10));
  wait_until(
      [&] {
        for (const auto& p : tree) {
          auto now = proc_stat(p.pid);
          if (now && now->start_time == p.start_time && now->state != 'Z') return false;
        }
        return true;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(2));
}

void run_peer_tool(const std::vector<std::string>& argv, const std::string& log_path,
                   std::optional<RunAs> user, std::chrono::milliseconds timeout) {
  PeerProcess tool;
  tool.spawn(argv, log_path, user);
  auto code = tool.wait(timeout);
  if (!code) {
    tool.kill();
    throw std::runtime_error(argv.at(0) + " did not finish in " + std::to_string(timeout.count()) +
                             "ms:\n" + log_tail(log_path));
  }
  if (*code != 0) {
    throw std::runtime_error(argv.at(0) + " exited with " + std::to_string(*code) + ":\n" +
                             log_tail(log_path));
  }
}

std::string log_tail(const std::string& log_path, std::size_t max_bytes) {
  std::ifstream in(log_path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > max_bytes) text = text.substr(text.size() - max_bytes);
  return text;
}

}  // namespace graced::test
