#include "notify/notify_datagram.hpp"

#include <charconv>
#include <climits>

namespace graced::notify {
namespace {

bool valid_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::optional<pid_t> parse_pid(std::string_view text) {
  long long value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || value <= 0 || value > INT_MAX) return std::nullopt;
  return static_cast<pid_t>(value);
}

NotifyMessage malformed() {
  NotifyMessage m;
  m.malformed = true;
  return m;
}

}  // namespace

NotifyMessage parse_notify_datagram(std::string_view datagram) {
  if (datagram.empty() || datagram.size() > kMaxNotifyDatagram ||
      datagram.find('\0') != std::string_view::npos) {
    return malformed();
  }
  NotifyMessage m;
  bool seen_ready = false, seen_stopping = false, seen_watchdog = false, seen_mainpid = false;
  std::string_view rest = datagram;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    const std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (line.empty()) continue;  // a trailing newline, or a blank line between assignments
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || !valid_key(line.substr(0, eq))) {
      return malformed();
    }
    const std::string_view key = line.substr(0, eq);
    const std::string_view value = line.substr(eq + 1);
    if (key == "READY" && !seen_ready) {
      seen_ready = true;
      m.ready = value == "1";
    } else if (key == "STOPPING" && !seen_stopping) {
      seen_stopping = true;
      m.stopping = value == "1";
    } else if (key == "WATCHDOG" && !seen_watchdog) {
      seen_watchdog = true;
      m.watchdog_ping = value == "1";
      m.watchdog_trigger = value == "trigger";
    } else if (key == "STATUS" && !m.status) {
      m.status = std::string(value);
    } else if (key == "MAINPID" && !seen_mainpid) {
      seen_mainpid = true;
      m.mainpid = parse_pid(value);
    }
  }
  return m;
}

}  // namespace graced::notify
