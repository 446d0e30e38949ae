// The sd_notify wire format: one datagram of newline-separated KEY=VALUE assignments
// (systemd's sd_notify(3)). Parsing is a pure function so it can be tested and fuzzed on
// its own; who sent the datagram is judged elsewhere.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace graced::notify {

// Larger datagrams are dropped as malformed: no state graced understands needs more.
inline constexpr std::size_t kMaxNotifyDatagram = 4096;

struct NotifyMessage {
  bool ready = false;                 // READY=1
  bool stopping = false;              // STOPPING=1
  bool watchdog_ping = false;         // WATCHDOG=1
  bool watchdog_trigger = false;      // WATCHDOG=trigger
  std::optional<std::string> status;  // STATUS=..., may be empty (clears the status)
  std::optional<pid_t> mainpid;       // MAINPID=<pid>, only when it is a valid pid
  // Empty, oversized, containing NUL, or a line that is not KEY=VALUE: the whole datagram
  // is dropped and every other field is left unset.
  bool malformed = false;
};

// Unknown keys and known keys with other values (READY=0, WATCHDOG=2) are ignored, as
// systemd does; when a key repeats, its first occurrence counts, as in systemd.
NotifyMessage parse_notify_datagram(std::string_view datagram);

}  // namespace graced::notify
