#include "lifecycle/descendants.hpp"

#include <dirent.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "process/spawner.hpp"

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

// Appends the pids a /proc/PID/task/TID/children file lists ("12 345 ") that are not in
// `seen` yet: a child whose parent thread exits moves to a sibling thread and may be
// listed twice in one walk. Nothing when the file is gone.
void read_children_list(const char* path, std::unordered_set<pid_t>& seen,
                        std::vector<pid_t>& out) {
  FILE* f = std::fopen(path, "re");
  if (!f) return;
  int pid = 0;
  while (std::fscanf(f, "%d", &pid) == 1) {
    if (seen.insert(static_cast<pid_t>(pid)).second) out.push_back(static_cast<pid_t>(pid));
  }
  std::fclose(f);
}

// The children of every thread of `pid`: a multi-threaded service forks from any thread,
// and each thread's children are listed under that thread only.
void append_children(pid_t pid, std::unordered_set<pid_t>& seen, std::vector<pid_t>& out) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", static_cast<int>(pid));
  DIR* tasks = opendir(path);
  if (!tasks) return;  // exited meanwhile
  while (dirent* e = readdir(tasks)) {
    if (e->d_name[0] == '.') continue;
    char list[320];  // d_name is at most 255 bytes
    std::snprintf(list, sizeof list, "/proc/%d/task/%s/children", static_cast<int>(pid), e->d_name);
    read_children_list(list, seen, out);
  }
  closedir(tasks);
}

}  // namespace

std::optional<std::vector<pid_t>> find_descendants_by_children_lists(pid_t ancestor) {
  char probe[64];
  std::snprintf(probe, sizeof probe, "/proc/%d/task/%d/children", static_cast<int>(getpid()),
                static_cast<int>(getpid()));
  if (access(probe, R_OK) != 0) return std::nullopt;
  std::vector<pid_t> out;
  std::unordered_set<pid_t> seen{ancestor};
  append_children(ancestor, seen, out);
  // `out` grows as it is walked: each process found adds its own children behind it.
  for (std::size_t i = 0; i < out.size(); ++i)
    append_children(out[i], seen, out);
  return out;
}

std::vector<pid_t> find_descendants_by_scan(pid_t ancestor) {
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

std::vector<pid_t> find_descendants(pid_t ancestor) {
  if (auto walked = find_descendants_by_children_lists(ancestor)) return *std::move(walked);
  return find_descendants_by_scan(ancestor);
}

int signal_descendants(int signo) {
  // With no child at all, zombies included, there is no descendant either: one whose
  // parent died was handed to graced as its child. The common case at exit, answered
  // without reading /proc.
  if (!process::has_children()) return 0;
  // A process that dies while the tree is read hands its children to graced (PID 1 or
  // subreaper) after graced's own list was read, so one walk can miss them: walk again
  // until a walk finds no one it has not signalled (a few at most: each such walk means
  // a process died meanwhile).
  constexpr int kMaxWalks = 4;
  std::unordered_set<pid_t> signalled;
  int count = 0;
  for (int walk = 0; walk < kMaxWalks; ++walk) {
    bool found_new = false;
    for (pid_t pid : find_descendants(getpid())) {
      if (!signalled.insert(pid).second) continue;
      found_new = true;
      if (kill(pid, signo) == 0) ++count;
    }
    if (!found_new) break;
  }
  return count;
}

}  // namespace graced
