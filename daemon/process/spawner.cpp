#include "process/spawner.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

extern char** environ;

namespace graced::process {
namespace {

// Writes `pid` in decimal, NUL-terminated, into `out` (room for 20 bytes). Called between
// fork and exec: no allocation, no locale.
void write_pid(char* out, pid_t pid) {
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

[[noreturn]] void fail(int fd, int stage) {
  FailureRecord rec{stage, errno};
  ssize_t ignored = write(fd, &rec, sizeof rec);
  (void)ignored;
  _exit(127);
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

  // Everything the child needs is prepared before fork: after fork only async-signal-safe
  // calls are made.
  std::vector<char*> argv;
  for (const auto& a : req.argv)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : req.env)
    envp.push_back(const_cast<char*>(e.c_str()));
  // Room for the pid's digits, filled in by the child (formatting by hand is
  // async-signal-safe; the buffer is the child's own copy after fork).
  std::string pid_entry;
  if (!req.pid_variable.empty()) {
    pid_entry = req.pid_variable + "=" + std::string(20, '\0');
    envp.push_back(pid_entry.data());
  }
  envp.push_back(nullptr);
  const bool take_terminal = req.foreground_terminal && isatty(STDIN_FILENO);

  // Non-blocking: another child, between its fork and exec, holds a copy of this pipe's
  // write end; reap() must then find "no failure" at once instead of waiting for that
  // other child's exec.
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
    return std::string("pipe2: ") + std::strerror(errno);
  }
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(pipefd[0]);
    close(pipefd[1]);
    return std::string("fork: ") + std::strerror(err);
  }
  if (pid == 0) {
    const int report = pipefd[1];
    if (req.pdeathsig != 0) {
      prctl(PR_SET_PDEATHSIG, req.pdeathsig);
      if (getppid() != parent) raise(req.pdeathsig);  // graced died before prctl
    }
    if (take_terminal) {
      if (setpgid(0, 0) != 0) fail(report, kSession);
      // Signals are still blocked here, so SIGTTOU cannot stop the child.
      tcsetpgrp(STDIN_FILENO, getpgrp());
    } else if (setsid() < 0) {
      fail(report, kSession);
    }
    if (req.stdin_fd >= 0 && dup2(req.stdin_fd, STDIN_FILENO) < 0) fail(report, kDup);
    if (req.stdout_fd >= 0 && dup2(req.stdout_fd, STDOUT_FILENO) < 0) fail(report, kDup);
    if (req.stderr_fd >= 0 && dup2(req.stderr_fd, STDERR_FILENO) < 0) fail(report, kDup);
    if (!req.workdir.empty() && chdir(req.workdir.c_str()) != 0) fail(report, kChdir);
    if (req.credentials) {
      const auto& c = *req.credentials;
      if (setgroups(c.groups.size(), c.groups.data()) != 0) fail(report, kSetgroups);
      if (setgid(c.gid) != 0) fail(report, kSetgid);
      if (setuid(c.uid) != 0) fail(report, kSetuid);
    }
    if (!pid_entry.empty()) write_pid(pid_entry.data() + req.pid_variable.size() + 1, getpid());
    signals_.restore_in_child();
    // execvp searches the PATH of `environ`: point it at the child's environment so the
    // child's own PATH is used, and scripts without a #! line run through /bin/sh.
    environ = envp.data();
    execvp(argv[0], argv.data());
    fail(report, kExec);
  }
  close(pipefd[1]);
  children_[pid] = Child{std::move(on_exit), pipefd[0]};
  return pid;
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
