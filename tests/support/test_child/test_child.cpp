// graced-test-child: the programs integration tests run as graced's child, one subcommand
// each. Output goes to stdout (or to files named on the command line) in simple lines that
// tests parse.
//
//   exit N                      exit with status N
//   kill-self SIG               die of signal SIG (name like SIGTERM/TERM, or number)
//   record-signals FILE [--ready FILE] [--ignore-term]
//                               append "SIGNAME SECONDS.NANOS" (CLOCK_MONOTONIC) to FILE for
//                               every signal received; the ready file (containing the pid)
//                               appears once the handlers are in place; exits 0 after
//                               recording SIGTERM unless --ignore-term
//   spawn-orphans N [--ready FILE] [--then SUBCOMMAND...]
//                               double-forks N short-lived processes that outlive their
//                               parent, then runs SUBCOMMAND (default: exit 0)
//   spawn-grandchild FILE [--ready FILE] [--ignore-term] [--then SUBCOMMAND...]
//                               forks a process in the same process group that runs
//                               record-signals FILE; once it is ready, writes its pid to
//                               the ready file and runs SUBCOMMAND (default:
//                               record-signals FILE.parent)
//   orphan-bursts BURSTS N PROGRESS [--pause MS] [--then SUBCOMMAND...]
//                               BURSTS times: double-forks N orphans as spawn-orphans does,
//                               then replaces PROGRESS with the number of bursts done and
//                               waits MS (default 200); then runs SUBCOMMAND (default:
//                               sleep 3600)
//   count-signals FILE [--ready FILE]
//                               counts every signal received, per kind, and every 20 ms
//                               replaces FILE with "SIGNAME COUNT" lines (nothing is lost
//                               however many arrive: the handler only adds one); exits 0
//                               after SIGTERM, once FILE has the final counts
//   print-ids                   uid=U euid=U gid=G egid=G groups=G1,G2
//   print-pids                  pid=P ppid=P pgrp=P sid=P
//   print-foreground            foreground=yes|no pgrp=P tcpgrp=T
//   print-sigstate              blocked: SIG... / ignored: SIG...
//   sleep SECONDS | env NAME... | pwd | touch FILE
#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

namespace {

using Args = std::vector<std::string>;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "graced-test-child: %s\n", what.c_str());
  std::exit(100);
}

std::string signal_name(int signo) {
  if (const char* abbrev = sigabbrev_np(signo)) return std::string("SIG") + abbrev;
  if (signo >= SIGRTMIN && signo <= SIGRTMAX) return "SIGRTMIN+" + std::to_string(signo - SIGRTMIN);
  return "SIG" + std::to_string(signo);
}

int parse_signal(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) return std::stoi(s);
  for (int signo = 1; signo < NSIG; ++signo) {
    std::string name = signal_name(signo);
    if (s == name || "SIG" + s == name) return signo;
  }
  die("not a signal: " + s);
}

void append_line(const std::string& path, const std::string& line) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) die("open " + path + ": " + std::strerror(errno));
  std::string text = line + "\n";
  if (write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    die("write " + path + ": " + std::strerror(errno));
  }
  close(fd);
}

// Written whole under a temporary name and renamed, so a reader never sees half of it.
void create_ready_file(const std::string& path, pid_t pid) {
  std::string tmp = path + ".tmp";
  std::remove(tmp.c_str());
  append_line(tmp, std::to_string(pid));
  if (rename(tmp.c_str(), path.c_str()) != 0) die("rename " + path + ": " + std::strerror(errno));
}

bool exists(const std::string& path) {
  return access(path.c_str(), F_OK) == 0;
}

// Splits `args` at an option taking the rest of the command line ("--then ...").
Args take_rest(Args& args, const std::string& flag) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag) {
      Args rest(args.begin() + static_cast<long>(i) + 1, args.end());
      args.resize(i);
      return rest;
    }
  }
  return {};
}

std::string take_value(Args& args, const std::string& flag) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag) {
      if (i + 1 >= args.size()) die(flag + " needs a value");
      std::string v = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      return v;
    }
  }
  return "";
}

bool take_flag(Args& args, const std::string& flag) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == flag) {
      args.erase(args.begin() + static_cast<long>(i));
      return true;
    }
  }
  return false;
}

// The handler only passes the signal and its arrival time to the main loop through a pipe
// (both calls are async-signal-safe); the main loop does the writing.
struct Arrival {
  int signo;
  timespec at;
};
int g_arrivals[2] = {-1, -1};

void on_signal(int signo) {
  const int saved = errno;
  Arrival a{signo, {}};
  clock_gettime(CLOCK_MONOTONIC, &a.at);
  ssize_t ignored = write(g_arrivals[1], &a, sizeof a);
  (void)ignored;
  errno = saved;
}

int record_signals(const std::string& file, const std::string& ready, bool ignore_term) {
  if (pipe2(g_arrivals, O_CLOEXEC) != 0) die(std::string("pipe2: ") + std::strerror(errno));
  // A flood of signals must not block the handler; losing some then is acceptable.
  fcntl(g_arrivals[1], F_SETFL, O_NONBLOCK);
  for (int signo = 1; signo < NSIG; ++signo) {
    if (signo == SIGKILL || signo == SIGSTOP) continue;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(signo, &sa, nullptr);  // fails for the signals libc reserves; fine
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (!ready.empty()) create_ready_file(ready, getpid());
  while (true) {
    Arrival a{};
    ssize_t n = read(g_arrivals[0], &a, sizeof a);
    if (n < 0 && errno == EINTR) continue;
    if (n != static_cast<ssize_t>(sizeof a)) die(std::string("read: ") + std::strerror(errno));
    char stamp[64];
    std::snprintf(stamp, sizeof stamp, "%lld.%09ld", static_cast<long long>(a.at.tv_sec),
                  a.at.tv_nsec);
    append_line(file, signal_name(a.signo) + " " + stamp);
    if (a.signo == SIGTERM && !ignore_term) return 0;
  }
}

int run(Args args);

int run_then(const Args& then, const Args& fallback) {
  return run(then.empty() ? fallback : then);
}

int spawn_orphans(Args args) {
  Args then = take_rest(args, "--then");
  std::string ready = take_value(args, "--ready");
  if (args.size() != 1) die("usage: spawn-orphans N [--ready FILE] [--then SUBCOMMAND...]");
  const int count = std::stoi(args[0]);
  for (int i = 0; i < count; ++i) {
    pid_t middle = fork();
    if (middle < 0) die(std::string("fork: ") + std::strerror(errno));
    if (middle == 0) {
      pid_t orphan = fork();
      if (orphan == 0) {
        // Outlives its parent by a little, so that it is re-parented before it exits.
        usleep(20000);
        _exit(0);
      }
      _exit(orphan < 0 ? 1 : 0);
    }
    while (waitpid(middle, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (!ready.empty()) create_ready_file(ready, getpid());
  return run_then(then, {"exit", "0"});
}

// Replaced whole (written under a temporary name and renamed).
void replace_file(const std::string& path, const std::string& contents) {
  std::string tmp = path + ".tmp";
  std::remove(tmp.c_str());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("open " + tmp + ": " + std::strerror(errno));
  if (write(fd, contents.data(), contents.size()) != static_cast<ssize_t>(contents.size())) {
    die("write " + tmp + ": " + std::strerror(errno));
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) die("rename " + path + ": " + std::strerror(errno));
}

void spawn_one_orphan() {
  pid_t middle = fork();
  if (middle < 0) die(std::string("fork: ") + std::strerror(errno));
  if (middle == 0) {
    pid_t orphan = fork();
    if (orphan == 0) {
      usleep(20000);
      _exit(0);
    }
    _exit(orphan < 0 ? 1 : 0);
  }
  while (waitpid(middle, nullptr, 0) < 0 && errno == EINTR) {
  }
}

int orphan_bursts(Args args) {
  Args then = take_rest(args, "--then");
  std::string pause = take_value(args, "--pause");
  if (args.size() != 3) die("usage: orphan-bursts BURSTS N PROGRESS [--pause MS] [--then ...]");
  const int bursts = std::stoi(args[0]);
  const int count = std::stoi(args[1]);
  const int pause_ms = pause.empty() ? 200 : std::stoi(pause);
  for (int b = 1; b <= bursts; ++b) {
    for (int i = 0; i < count; ++i)
      spawn_one_orphan();
    replace_file(args[2], std::to_string(b) + "\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
  }
  return run_then(then, {"sleep", "3600"});
}

// Handlers only add one to their signal's counter (lock-free atomics are async-signal-safe).
std::atomic<unsigned long> g_counts[NSIG];
std::atomic<bool> g_term_seen{false};

void count_signal(int signo) {
  g_counts[signo].fetch_add(1, std::memory_order_relaxed);
  if (signo == SIGTERM) g_term_seen.store(true);
}

int count_signals(Args args) {
  std::string ready = take_value(args, "--ready");
  if (args.size() != 1) die("usage: count-signals FILE [--ready FILE]");
  for (int signo = 1; signo < NSIG; ++signo) {
    if (signo == SIGKILL || signo == SIGSTOP) continue;
    struct sigaction sa {};
    sa.sa_handler = count_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(signo, &sa, nullptr);  // fails for the signals libc reserves; fine
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  auto write_counts = [&] {
    std::string text;
    for (int signo = 1; signo < NSIG; ++signo) {
      unsigned long n = g_counts[signo].load();
      if (n > 0) text += signal_name(signo) + " " + std::to_string(n) + "\n";
    }
    replace_file(args[0], text);
  };
  write_counts();
  if (!ready.empty()) create_ready_file(ready, getpid());
  while (!g_term_seen.load()) {
    usleep(20000);  // a signal cuts it short; the counts are written all the same
    write_counts();
  }
  write_counts();
  return 0;
}

int spawn_grandchild(Args args) {
  Args then = take_rest(args, "--then");
  std::string ready = take_value(args, "--ready");
  bool ignore_term = take_flag(args, "--ignore-term");
  if (args.size() != 1) die("usage: spawn-grandchild FILE [--ready FILE] [--ignore-term] ...");
  const std::string file = args[0];
  const std::string grandchild_ready = file + ".ready";
  pid_t pid = fork();
  if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) _exit(record_signals(file, grandchild_ready, ignore_term));
  for (int i = 0; i < 1000 && !exists(grandchild_ready); ++i)
    usleep(10000);
  if (!exists(grandchild_ready)) die("the grandchild did not get ready");
  if (!ready.empty()) create_ready_file(ready, pid);
  return run_then(then, {"record-signals", file + ".parent"});
}

int print_ids() {
  std::string groups;
  int n = getgroups(0, nullptr);
  std::vector<gid_t> list(static_cast<size_t>(n > 0 ? n : 0));
  n = getgroups(n, list.data());
  for (int i = 0; i < n; ++i) {
    if (!groups.empty()) groups += ",";
    groups += std::to_string(list[static_cast<size_t>(i)]);
  }
  std::printf("uid=%u euid=%u gid=%u egid=%u groups=%s\n", getuid(), geteuid(), getgid(), getegid(),
              groups.c_str());
  return 0;
}

int print_foreground() {
  pid_t fg = tcgetpgrp(STDIN_FILENO);
  pid_t own = getpgrp();
  std::printf("foreground=%s pgrp=%d tcpgrp=%d\n", fg == own ? "yes" : "no", own, fg);
  return 0;
}

int print_sigstate() {
  sigset_t blocked;
  sigprocmask(SIG_SETMASK, nullptr, &blocked);
  std::string blocked_names, ignored_names;
  for (int signo = 1; signo < NSIG; ++signo) {
    if (sigismember(&blocked, signo) == 1) blocked_names += " " + signal_name(signo);
    struct sigaction sa {};
    if (sigaction(signo, nullptr, &sa) == 0 && sa.sa_handler == SIG_IGN) {
      ignored_names += " " + signal_name(signo);
    }
  }
  std::printf("blocked:%s\nignored:%s\n", blocked_names.c_str(), ignored_names.c_str());
  return 0;
}

int run(Args args) {
  if (args.empty()) die("no subcommand");
  const std::string cmd = args.front();
  args.erase(args.begin());
  auto need = [&](size_t n) {
    if (args.size() < n) die(cmd + " needs " + std::to_string(n) + " argument(s)");
  };
  if (cmd == "exit") {
    need(1);
    return std::stoi(args[0]);
  }
  if (cmd == "kill-self") {
    need(1);
    int signo = parse_signal(args[0]);
    std::signal(signo, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signo);
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
    kill(getpid(), signo);
    die("still alive after " + signal_name(signo));
  }
  if (cmd == "record-signals") {
    std::string ready = take_value(args, "--ready");
    bool ignore_term = take_flag(args, "--ignore-term");
    need(1);
    return record_signals(args[0], ready, ignore_term);
  }
  if (cmd == "spawn-orphans") return spawn_orphans(args);
  if (cmd == "spawn-grandchild") return spawn_grandchild(args);
  if (cmd == "orphan-bursts") return orphan_bursts(args);
  if (cmd == "count-signals") return count_signals(args);
  if (cmd == "print-ids") return print_ids();
  if (cmd == "print-pids") {
    std::printf("pid=%d ppid=%d pgrp=%d sid=%d\n", getpid(), getppid(), getpgrp(), getsid(0));
    return 0;
  }
  if (cmd == "print-foreground") return print_foreground();
  if (cmd == "print-sigstate") return print_sigstate();
  if (cmd == "sleep") {
    need(1);
    std::this_thread::sleep_for(std::chrono::duration<double>(std::stod(args[0])));
    return 0;
  }
  if (cmd == "env") {
    for (const auto& name : args) {
      const char* v = std::getenv(name.c_str());
      std::printf("%s%s%s\n", name.c_str(), v ? "=" : " unset", v ? v : "");
    }
    return 0;
  }
  if (cmd == "pwd") {
    char buf[4096];
    if (!getcwd(buf, sizeof buf)) die(std::string("getcwd: ") + std::strerror(errno));
    std::printf("%s\n", buf);
    return 0;
  }
  if (cmd == "touch") {
    need(1);
    append_line(args[0], "touched");
    return 0;
  }
  die("unknown subcommand: " + cmd);
}

}  // namespace

int main(int argc, char** argv) {
  int code = run(Args(argv + 1, argv + argc));
  std::fflush(stdout);
  return code;
}
