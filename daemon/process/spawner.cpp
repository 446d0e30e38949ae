#include "process/spawner.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>

#include "process/child_code.hpp"

extern char** environ;

namespace graced::process {
namespace {

// The child is forked, or, with SpawnRequest::suspend_until_exec, runs in graced's memory
// (clone with CLONE_VM | CLONE_VFORK, as posix_spawn does; posix_spawn itself cannot set
// credentials or the parent-death signal). Then graced is suspended until the child's
// exec or exit, and nothing is copied: no page tables, no copy-on-write faults on either
// side, which fork() pays in proportion to graced's size. Either way the child runs
// run_child(), which may only make system calls: it must not allocate, take a lock, touch
// graced's objects beyond the plan, or call the libc wrappers that act on every thread of
// a process (setuid and friends: raw system calls below).

// Everything the child does, prepared by graced before clone.
struct ChildPlan {
  char** argv = nullptr;
  char** envp = nullptr;
  char* pid_digits = nullptr;  // where the child writes its own pid, or null
  const char* workdir = nullptr;
  const Credentials* credentials = nullptr;
  bool take_terminal = false;
  int pdeathsig = 0;
  pid_t parent = 0;
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int report = -1;  // the exec pipe's write end
  const InheritedSignals* signals = nullptr;
};

// Writes `pid` in decimal, NUL-terminated, into `out` (room for 20 bytes), by hand:
// no allocation, no locale.
GRACED_CHILD_CODE void write_pid(char* out, pid_t pid) {
  char digits[20];
  int n = 0;
  auto v = static_cast<unsigned long>(pid);
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && n < 19);
  for (int i = 0; i < n; ++i)
    out[i] = digits[n - 1 - i];
  out[n] = '\0';
}

// What the child writes to the exec pipe when a step before exec fails.
struct FailureRecord {
  int stage;
  int error;
};

enum Stage : int { kExec, kChdir, kSetgroups, kSetgid, kSetuid, kDup, kSession };

const char* stage_name(int stage) {
  switch (stage) {
    case kExec:
      return "exec";
    case kChdir:
      return "chdir";
    case kSetgroups:
      return "setgroups";
    case kSetgid:
      return "setgid";
    case kSetuid:
      return "setuid";
    case kDup:
      return "dup2";
    case kSession:
      return "setsid";
  }
  return "spawn";
}

// The system calls that take 32-bit ids: where the plain ones take 16-bit ids (i386,
// armhf), the 32-bit ones have their own numbers.
#ifdef SYS_setuid32
constexpr long kSetgroupsCall = SYS_setgroups32;
constexpr long kSetgidCall = SYS_setgid32;
constexpr long kSetuidCall = SYS_setuid32;
#else
constexpr long kSetgroupsCall = SYS_setgroups;
constexpr long kSetgidCall = SYS_setgid;
constexpr long kSetuidCall = SYS_setuid;
#endif

[[noreturn]] GRACED_CHILD_CODE void fail(int fd, int stage) {
  FailureRecord rec{stage, errno};
  ssize_t ignored = write(fd, &rec, sizeof rec);
  (void)ignored;
  _exit(127);
}

GRACED_CHILD_CODE int run_child(void* arg) {
  const ChildPlan& plan = *static_cast<const ChildPlan*>(arg);
  const int report = plan.report;
  if (plan.pdeathsig != 0) {
    prctl(PR_SET_PDEATHSIG, plan.pdeathsig);
    if (getppid() != plan.parent) kill(getpid(), plan.pdeathsig);  // graced died before prctl
  }
  if (plan.take_terminal) {
    if (setpgid(0, 0) != 0) fail(report, kSession);
    // Signals are still blocked here, so SIGTTOU cannot stop the child.
    tcsetpgrp(STDIN_FILENO, getpgrp());
  } else if (setsid() < 0) {
    fail(report, kSession);
  }
  if (plan.stdin_fd >= 0 && dup2(plan.stdin_fd, STDIN_FILENO) < 0) fail(report, kDup);
  if (plan.stdout_fd >= 0 && dup2(plan.stdout_fd, STDOUT_FILENO) < 0) fail(report, kDup);
  if (plan.stderr_fd >= 0 && dup2(plan.stderr_fd, STDERR_FILENO) < 0) fail(report, kDup);
  if (plan.workdir != nullptr && chdir(plan.workdir) != 0) fail(report, kChdir);
  if (const Credentials* c = plan.credentials) {
    // Raw system calls: glibc's setuid() of a process with threads signals each of them to
    // change ids too, and in a child sharing graced's memory those would be graced's.
    const int count = static_cast<int>(c->groups.size());
    if (syscall(kSetgroupsCall, count, c->groups.data()) != 0) fail(report, kSetgroups);
    if (syscall(kSetgidCall, c->gid) != 0) fail(report, kSetgid);
    if (syscall(kSetuidCall, c->uid) != 0) fail(report, kSetuid);
  }
  if (plan.pid_digits != nullptr) write_pid(plan.pid_digits, getpid());
  plan.signals->restore_in_child();
  // execvp searches the PATH of `environ`: point it at the child's environment so the
  // child's own PATH is used, and scripts without a #! line run through /bin/sh.
  environ = plan.envp;
  execvp(plan.argv[0], plan.argv);
  fail(report, kExec);
}

// The child's stack: mapped for one spawn, with a guard page below it so an overflow
// faults in the child instead of writing into graced's memory. Pages never touched cost
// nothing.
class ChildStack {
 public:
  explicit ChildStack(size_t size) : size_(size + kGuard) {
    void* p = mmap(nullptr, size_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return;
    if (mprotect(static_cast<char*>(p) + kGuard, size, PROT_READ | PROT_WRITE) != 0) {
      munmap(p, size_);
      return;
    }
    base_ = p;
  }
  ~ChildStack() {
    if (base_ != nullptr) munmap(base_, size_);
  }
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;

  bool ok() const { return base_ != nullptr; }
  void* top() const { return static_cast<char*>(base_) + size_; }

 private:
  static constexpr size_t kGuard = 4096;
  size_t size_;
  void* base_ = nullptr;
};

// execvp builds each PATH candidate (at most PATH_MAX) and, for a script without #!, a
// new argv for /bin/sh on the stack: room for that argv on top of a margin for the calls
// themselves (more under the sanitizers).
size_t child_stack_size(const std::vector<char*>& argv) {
  const size_t size = 256 * 1024 + (argv.size() + 2) * sizeof(char*);
  return (size + 4095) & ~size_t{4095};
}

// Every signal blocked while a child sharing graced's memory starts, as posix_spawn does:
// no handler of graced's may run in it, and the child resets dispositions before it
// unblocks any. (glibc keeps its two internal signals, which nothing sends here,
// unblocked.)
class AllSignalsBlocked {
 public:
  AllSignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved_);
  }
  ~AllSignalsBlocked() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  AllSignalsBlocked(const AllSignalsBlocked&) = delete;
  AllSignalsBlocked& operator=(const AllSignalsBlocked&) = delete;

 private:
  sigset_t saved_{};
};

std::variant<pid_t, std::string> start_forked(ChildPlan& plan) {
  const pid_t pid = fork();
  if (pid == 0) run_child(&plan);
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  return pid;
}

std::variant<pid_t, std::string> start_sharing_memory(ChildPlan& plan,
                                                      const std::vector<char*>& argv) {
  ChildStack stack(child_stack_size(argv));
  if (!stack.ok()) return std::string("mmap (child stack): ") + std::strerror(errno);
  // The child points `environ` at its own environment before exec (see run_child); it
  // shares graced's memory, so graced's own pointer is put back once clone returns, which
  // is after the child's exec or exit.
  char** const graced_environ = environ;
  pid_t pid;
  int error;
  {
    AllSignalsBlocked blocked;
    pid = clone(run_child, stack.top(), CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
    error = errno;
  }
  environ = graced_environ;
  if (pid < 0) return std::string("clone: ") + std::strerror(error);
  return pid;
}

bool is_number(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

std::variant<Credentials, std::string> resolve_credentials(const std::string& user,
                                                           const std::string& group) {
  Credentials c;
  c.uid = getuid();
  c.gid = getgid();
  std::string user_name;
  if (!user.empty()) {
    struct passwd* pw =
        is_number(user) ? getpwuid(static_cast<uid_t>(std::stoul(user))) : getpwnam(user.c_str());
    if (pw) {
      c.uid = pw->pw_uid;
      c.gid = pw->pw_gid;
      user_name = pw->pw_name;
    } else if (is_number(user)) {
      // A numeric id with no passwd entry (common in images): its group is the same id.
      c.uid = static_cast<uid_t>(std::stoul(user));
      c.gid = static_cast<gid_t>(c.uid);
    } else {
      return "no such user: \"" + user + "\"";
    }
  }
  if (!group.empty()) {
    if (is_number(group)) {
      c.gid = static_cast<gid_t>(std::stoul(group));
    } else if (struct group* gr = getgrnam(group.c_str())) {
      c.gid = gr->gr_gid;
    } else {
      return "no such group: \"" + group + "\"";
    }
  }
  if (!user_name.empty()) {
    int n = 64;
    std::vector<gid_t> groups(static_cast<size_t>(n));
    while (getgrouplist(user_name.c_str(), c.gid, groups.data(), &n) < 0) {
      groups.resize(static_cast<size_t>(n) * 2);
      n = static_cast<int>(groups.size());
    }
    groups.resize(static_cast<size_t>(n));
    c.groups = std::move(groups);
  } else {
    c.groups = {c.gid};
  }
  return c;
}

Spawner::~Spawner() {
  for (auto& [pid, child] : children_) {
    if (child.exec_pipe >= 0) close(child.exec_pipe);
  }
}

std::variant<pid_t, std::string> Spawner::spawn(const SpawnRequest& req, ExitCallback on_exit) {
  if (req.argv.empty()) return std::string("no command to run");

  // Everything the child needs is prepared before it starts: it only makes system calls.
  std::vector<char*> argv;
  for (const auto& a : req.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : req.env)
    envp.push_back(const_cast<char*>(e.c_str()));
  // Room for the pid's digits, filled in by the child when its pid is known.
  std::string pid_entry;
  if (!req.pid_variable.empty()) {
    pid_entry = req.pid_variable + "=" + std::string(20, '\0');
    envp.push_back(pid_entry.data());
  }
  envp.push_back(nullptr);

  // Non-blocking: another forked child, between its fork and exec, may hold a copy of
  // this pipe's write end; reap() must then find "no failure" at once instead of waiting
  // for that other child's exec.
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
    return std::string("pipe2: ") + std::strerror(errno);
  }
  ChildPlan plan;
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.pid_digits = pid_entry.empty() ? nullptr : pid_entry.data() + req.pid_variable.size() + 1;
  plan.workdir = req.workdir.empty() ? nullptr : req.workdir.c_str();
  plan.credentials = req.credentials ? &*req.credentials : nullptr;
  plan.take_terminal = req.foreground_terminal && isatty(STDIN_FILENO);
  plan.pdeathsig = req.pdeathsig;
  plan.parent = getpid();
  plan.stdin_fd = req.stdin_fd;
  plan.stdout_fd = req.stdout_fd;
  plan.stderr_fd = req.stderr_fd;
  plan.report = pipefd[1];
  plan.signals = &signals_;

  const auto started =
      req.suspend_until_exec ? start_sharing_memory(plan, argv) : start_forked(plan);
  close(pipefd[1]);
  if (const auto* error = std::get_if<std::string>(&started)) {
    close(pipefd[0]);
    return *error;
  }
  const pid_t pid = std::get<pid_t>(started);
  children_[pid] = Child{std::move(on_exit), pipefd[0]};
  return pid;
}

bool has_children() {
  siginfo_t info{};
  int rc;
  do {
    rc = waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT);
  } while (rc < 0 && errno == EINTR);
  return !(rc < 0 && errno == ECHILD);
}

void Spawner::forget(pid_t pid) {
  auto it = children_.find(pid);
  if (it != children_.end()) it->second.on_exit = nullptr;
}

void Spawner::reap() {
  while (true) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;  // 0: children remain but none exited; ECHILD: none at all
    ++processes_reaped_;
    auto it = children_.find(pid);
    if (it == children_.end()) {
      ++orphans_reaped_;
      continue;
    }
    Child child = std::move(it->second);
    children_.erase(it);
    ExitStatus exit = ExitStatus::from_wait_status(status);
    if (child.exec_pipe >= 0) {
      // The child has exited, so whatever it wrote before exec is already in the pipe.
      FailureRecord rec{};
      ssize_t n;
      do {
        n = read(child.exec_pipe, &rec, sizeof rec);
      } while (n < 0 && errno == EINTR);
      if (n == static_cast<ssize_t>(sizeof rec)) {
        exit.exec_failure = ExecFailure{stage_name(rec.stage), rec.error};
      }
      close(child.exec_pipe);
    }
    if (child.on_exit) child.on_exit(pid, exit);
  }
}

}  // namespace graced::process
