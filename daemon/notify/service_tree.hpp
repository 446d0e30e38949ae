// Who may speak for the service over the notify socket. Any local process that can reach
// the socket can send to it, so a datagram counts only when its sender (the pid the kernel
// vouches for with SCM_CREDENTIALS) belongs to the service graced runs.
#pragma once

#include <sys/types.h>

#include <optional>

namespace graced::notify {

struct ProcLinks {
  pid_t ppid = 0;
  pid_t session = 0;
};

// The parent and session of a process from /proc/<pid>/stat; nullopt when it is gone.
std::optional<ProcLinks> read_proc_links(pid_t pid);

// True for the child itself, the announced MAINPID, a descendant of either (the parent
// chain is followed, at most 64 steps), or a member of the session the child leads (a
// double-forked daemon re-parented to graced still lives in it). A sender that already
// exited cannot be placed and is refused, unless it is the child or MAINPID.
bool belongs_to_service(pid_t sender, pid_t child, pid_t main_pid);

}  // namespace graced::notify
