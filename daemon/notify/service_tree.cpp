#include "notify/service_tree.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

namespace graced::notify {
namespace {

constexpr int kMaxDepth = 64;

}  // namespace

std::optional<ProcLinks> read_proc_links(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];
  ssize_t n;
  do {
    n = ::read(fd, buf, sizeof buf - 1);
  } while (n < 0 && errno == EINTR);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  // "pid (comm) state ppid pgrp session ...": comm may itself contain ") ", so the fields
  // start after the last ')'.
  const char* close_paren = std::strrchr(buf, ')');
  if (!close_paren) return std::nullopt;
  char state = 0;
  int ppid = 0, pgrp = 0, session = 0;
  if (std::sscanf(close_paren + 1, " %c %d %d %d", &state, &ppid, &pgrp, &session) != 4) {
    return std::nullopt;
  }
  return ProcLinks{static_cast<pid_t>(ppid), static_cast<pid_t>(session)};
}

bool belongs_to_service(pid_t sender, pid_t child, pid_t main_pid) {
  if (sender <= 0 || child <= 0) return false;
  if (sender == child || sender == main_pid) return true;
  auto links = read_proc_links(sender);
  if (!links) return false;
  // A pid stays reserved while it names a live session, so a session id equal to the
  // child's pid can only be the session the child created with setsid.
  if (links->session == child) return true;
  for (int depth = 0; depth < kMaxDepth && links; ++depth) {
    const pid_t parent = links->ppid;
    if (parent == child || (main_pid > 0 && parent == main_pid)) return true;
    if (parent <= 1) return false;
    links = read_proc_links(parent);
  }
  return false;
}

}  // namespace graced::notify
