// Finds graced's descendants through /proc: as PID 1 or subreaper, graced is the ancestor
// of everything the service started, including processes that left its process group
// with setsid. Used to leave nothing behind when graced exits.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

namespace graced {

// The descendants of `ancestor`: by walking the tree down through the kernel's
// /proc/PID/task/TID/children lists, or, on a kernel built without them, by reading every
// process's parent from /proc/*/stat.
std::vector<pid_t> find_descendants(pid_t ancestor);

// The walk down the children lists: as cheap as the tree is small, which matters on a
// host with thousands of processes. nullopt when the kernel has no children lists
// (CONFIG_PROC_CHILDREN off).
std::optional<std::vector<pid_t>> find_descendants_by_children_lists(pid_t ancestor);

// The fallback: one read of /proc/PID/stat for every process on the machine.
std::vector<pid_t> find_descendants_by_scan(pid_t ancestor);

// Sends `signo` to every descendant of graced; returns how many were signalled.
int signal_descendants(int signo);

}  // namespace graced
