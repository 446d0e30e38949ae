#include "harness/proc.hpp"

#include <dirent.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <sstream>
#include <string>

#include "harness/files.hpp"

namespace graced::test {
namespace {

std::optional<ProcStat> parse_stat(const std::string& text) {
  // The command name is in parentheses and may itself contain ") ", so the fields after it
  // are found from the last ')'.
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return {};
  ProcStat s;
  s.pid = static_cast<pid_t>(std::stol(text.substr(0, open)));
  std::istringstream rest(text.substr(close + 1));
  rest >> s.state >> s.ppid >> s.pgrp >> s.session;
  std::string skipped;
  // Fields 7 to 21 (tty_nr ... itrealvalue) come before starttime (field 22).
  for (int i = 7; i <= 21; ++i)
    rest >> skipped;
  rest >> s.start_time;
  if (!rest) return {};
  return s;
}

std::vector<pid_t> descendants_in(const std::vector<ProcStat>& procs, pid_t root) {
  std::multimap<pid_t, pid_t> children;
  for (const auto& p : procs)
    children.emplace(p.ppid, p.pid);
  std::vector<pid_t> out;
  std::vector<pid_t> todo{root};
  while (!todo.empty()) {
    pid_t parent = todo.back();
    todo.pop_back();
    auto [first, last] = children.equal_range(parent);
    for (auto it = first; it != last; ++it) {
      // A pid cannot be its own ancestor, but a torn read of /proc could make it look so.
      if (it->second == root || std::find(out.begin(), out.end(), it->second) != out.end())
        continue;
      out.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return out;
}

}  // namespace

std::optional<ProcStat> proc_stat(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return {};
  return parse_stat(*text);
}

std::vector<ProcStat> all_processes() {
  std::vector<ProcStat> out;
  DIR* dir = opendir("/proc");
  if (!dir) return out;
  while (dirent* e = readdir(dir)) {
    const std::string name = e->d_name;
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    if (auto s = proc_stat(static_cast<pid_t>(std::stol(name)))) out.push_back(*s);
  }
  closedir(dir);
  return out;
}

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> out;
  for (const auto& p : all_processes())
    if (p.ppid == pid) out.push_back(p.pid);
  return out;
}

std::vector<pid_t> descendants_of(pid_t pid) {
  return descendants_in(all_processes(), pid);
}

std::vector<pid_t> processes_in_group(pid_t pgrp) {
  std::vector<pid_t> out;
  for (const auto& p : all_processes())
    if (p.pgrp == pgrp) out.push_back(p.pid);
  return out;
}

std::vector<pid_t> processes_in_session(pid_t session) {
  std::vector<pid_t> out;
  for (const auto& p : all_processes())
    if (p.session == session) out.push_back(p.pid);
  return out;
}

char process_state(pid_t pid) {
  auto s = proc_stat(pid);
  return s ? s->state : '\0';
}

std::optional<pid_t> process_group(pid_t pid) {
  auto s = proc_stat(pid);
  if (!s) return {};
  return s->pgrp;
}

bool is_alive(pid_t pid) {
  char state = process_state(pid);
  return state != '\0' && state != 'Z' && state != 'X';
}

std::vector<ProcStat> kill_process_tree(pid_t root) {
  std::map<pid_t, ProcStat> frozen;
  // Each round stops what the previous scan found; a process forked just before its
  // parent stopped shows up in the next scan. Bounded so a broken /proc cannot hang a test.
  for (int round = 0; round < 100; ++round) {
    auto procs = all_processes();
    std::vector<pid_t> tree = descendants_in(procs, root);
    tree.push_back(root);
    bool found_new = false;
    for (pid_t pid : tree) {
      if (frozen.count(pid)) continue;
      auto it = std::find_if(procs.begin(), procs.end(),
                             [pid](const ProcStat& p) { return p.pid == pid; });
      if (it == procs.end()) continue;
      kill(pid, SIGSTOP);
      frozen.emplace(pid, *it);
      found_new = true;
    }
    if (!found_new) break;
  }
  std::vector<ProcStat> killed;
  for (const auto& [pid, stat] : frozen) {
    kill_if_same(stat);
    killed.push_back(stat);
  }
  return killed;
}

void kill_if_same(const ProcStat& p) {
  auto now = proc_stat(p.pid);
  if (now && now->start_time == p.start_time && now->state != 'Z') kill(p.pid, SIGKILL);
}

}  // namespace graced::test
