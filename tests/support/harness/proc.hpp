// What /proc says about processes: parents, groups, sessions, states. Tests use it to
// look for zombies and leftovers, and the harness to clean up after a test.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

namespace graced::test {

struct ProcStat {
  pid_t pid = 0;
  char state = '\0';  // R, S, D, Z, T, ...
  pid_t ppid = 0;
  pid_t pgrp = 0;
  pid_t session = 0;
  unsigned long long start_time = 0;  // clock ticks after boot: tells a reused pid apart
};

// nullopt when the process does not exist (any more).
std::optional<ProcStat> proc_stat(pid_t pid);
// Every process visible in /proc, read in one pass.
std::vector<ProcStat> all_processes();

std::vector<pid_t> children_of(pid_t pid);
// Children, their children, and so on (not `pid` itself).
std::vector<pid_t> descendants_of(pid_t pid);
// Members of a process group or a session.
std::vector<pid_t> processes_in_group(pid_t pgrp);
std::vector<pid_t> processes_in_session(pid_t session);

// The state letter, or '\0' when the process is gone.
char process_state(pid_t pid);
std::optional<pid_t> process_group(pid_t pid);
// Exists and is not a zombie.
bool is_alive(pid_t pid);

// Freezes `root` and all its descendants with SIGSTOP (so none can fork or escape while
// they are looked for), then SIGKILLs them all. Returns what it killed; reaps nothing.
std::vector<ProcStat> kill_process_tree(pid_t root);
// SIGKILLs `p` if the pid still names the same process (same start time).
void kill_if_same(const ProcStat& p);

}  // namespace graced::test
