// The receiving end of sd_notify for the service graced runs (process.notify = true).
// graced binds a unix datagram socket in a private runtime directory, hands its path to
// the child as NOTIFY_SOCKET and reads datagrams on the loop. Only datagrams whose sender
// the kernel vouches for (SCM_CREDENTIALS) as part of the service count; their effects go
// into Health: READY=1 lets startup pass, STOPPING=1 fails readiness, WATCHDOG=1 keeps
// liveness passing, STATUS= is shown in verbose output.
//
// Wiring, in order:
//   NotifySocket notify(&loop, health, watchdog);
//   if (auto err = notify.open(credentials)) { fail }
//   notify.apply_child_env(request.env);      // before spawning the service
//   notify.set_child(pid);                    // right after spawning it
//   notify.on_stopping([&] { lifecycle.begin_shutdown(); });
//   notify.child_exited();                    // when it exits
//
// WATCHDOG_PID holds the child's own pid, which is known only once it runs: the spawner
// writes it there (SpawnRequest::pid_variable, named by watchdog_pid_variable()). An
// inherited WATCHDOG_PID or WATCHDOG_USEC (graced itself under systemd) never reaches the
// child.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/duration.hpp"
#include "health/health.hpp"
#include "loop/handle.hpp"
#include "notify/notify_datagram.hpp"
#include "notify/runtime_dir.hpp"
#include "notify/watchdog.hpp"
#include "process/spawner.hpp"

namespace graced::notify {

struct NotifyStats {
  std::uint64_t accepted = 0;   // from the service, well-formed, applied
  std::uint64_t rejected = 0;   // from a process outside the service (or no credentials)
  std::uint64_t malformed = 0;  // from the service, but not an sd_notify datagram
};

class NotifySocket {
 public:
  // `watchdog` zero: no WATCHDOG_USEC is passed and no ping is expected.
  NotifySocket(uv_loop_t* loop, health::Health& health, config::Duration watchdog);
  // Closes the socket and removes it and its directory.
  ~NotifySocket();
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  // Creates the directory and socket and starts reading. When the service runs as another
  // user (`child_credentials` with a different uid), the directory and socket are handed
  // to that user, who must be able to reach them. Returns an error message, or nullopt.
  // From here on startup waits for READY=1.
  std::optional<std::string> open(
      const std::optional<process::Credentials>& child_credentials = std::nullopt);

  const std::string& path() const { return socket_path_; }
  // NOTIFY_SOCKET, and WATCHDOG_USEC when the watchdog is on.
  std::vector<std::pair<std::string, std::string>> child_env() const;
  // Replaces any inherited NOTIFY_SOCKET / WATCHDOG_USEC / WATCHDOG_PID in a complete
  // "KEY=value" environment with child_env().
  void apply_child_env(std::vector<std::string>& env) const;
  // "WATCHDOG_PID" when the watchdog is on (the spawner fills in the pid), else "".
  std::string watchdog_pid_variable() const;

  // The service's pid, right after spawning it; starts the watchdog.
  void set_child(pid_t pid);
  // The service exited: the watchdog stops expecting pings.
  void child_exited();
  // Called once, at the first STOPPING=1 (after readiness has been failed). It must not
  // destroy the NotifySocket.
  void on_stopping(std::function<void()> callback) { on_stopping_ = std::move(callback); }

  const NotifyStats& stats() const { return stats_; }
  pid_t main_pid() const { return main_pid_; }
  bool ready() const { return ready_; }

 private:
  void receive();
  void handle(bool has_sender, pid_t sender, std::string_view datagram);
  void apply(const NotifyMessage& m);
  void close();

  uv_loop_t* loop_;
  health::Health& health_;
  Watchdog watchdog_;
  RuntimeDir dir_;
  std::string socket_path_;
  int fd_ = -1;
  loop::Poll poll_;
  pid_t child_ = 0;
  pid_t main_pid_ = 0;
  bool ready_ = false;
  bool stopping_ = false;
  NotifyStats stats_;
  std::function<void()> on_stopping_;
  // Lets receive() notice that a callback it made destroyed the socket after all.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace graced::notify
