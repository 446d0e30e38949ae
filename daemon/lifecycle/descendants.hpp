// Finds graced's descendants through /proc: as PID 1 or subreaper, graced is the ancestor
// of everything the service started, including processes that left its process group
// with setsid. Used to leave nothing behind when graced exits.
#pragma once

#include <sys/types.h>

#include <vector>

namespace graced {

std::vector<pid_t> find_descendants(pid_t ancestor);

// Sends `signo` to every descendant of graced; returns how many were signalled.
int signal_descendants(int signo);

}  // namespace graced
