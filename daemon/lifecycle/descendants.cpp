#include "lifecycle/descendants.hpp"

#include <dirent.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

namespace graced {
namespace {

// The parent pid from /proc/<pid>/stat; the command name may contain spaces and ')'.
pid_t parent_of(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  FILE* f = std::fopen(path, "re");
  if (!f) return -1;
  char buf[512];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* close = std::strrchr(buf, ')');
  if (!close) return -1;
  char state = 0;
  int ppid = -1;
  if (std::sscanf(close + 1, " %c %d", &state, &ppid) != 2) return -1;
  return ppid;
}

}  // namespace

std::vector<pid_t> find_descendants(pid_t ancestor) {
  std::unordered_multimap<pid_t, pid_t> children;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      char* end = nullptr;
      long pid = std::strtol(e->d_name, &end, 10);
      if (*end != '\0' || pid <= 0) continue;
      pid_t ppid = parent_of(static_cast<pid_t>(pid));
      if (ppid > 0) children.emplace(ppid, static_cast<pid_t>(pid));
    }
    closedir(d);
  }
  std::vector<pid_t> out;
  std::vector<pid_t> todo{ancestor};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    auto range = children.equal_range(p);
    for (auto it = range.first; it != range.second; ++it) {
      out.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return out;
}

int signal_descendants(int signo) {
  int count = 0;
  for (pid_t pid : find_descendants(getpid())) {
    if (kill(pid, signo) == 0) ++count;
  }
  return count;
}

}  // namespace graced
