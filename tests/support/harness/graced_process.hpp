// The real graced binary, started for one test: its own process group (signals a test
// sends never reach the test runner), output captured to files, and nothing left behind:
// the destructor kills graced and every process it started.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/proc.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wait.hpp"

namespace graced::test {

// Configuration for tests that stop graced with SIGTERM: no drain window (5 s by default),
// so the child gets its stop signal at once.
inline const std::string kNoDrainConfig = "[shutdown]\ndrain_delay = \"0s\"\n";

// Meant for designated initializers: {.args = ..., .config = ...}. (Every member has a
// default member initializer so that GCC does not warn about the ones left out.)
struct GracedOptions {
  // graced's arguments, e.g. {"--", kTestChild, "exit", "3"} (see run_test_child()).
  std::vector<std::string> args{};
  // TOML written to a file and passed as `-c FILE` (before "--", if any).
  std::optional<std::string> config{};
  // graced's HTTP listener, passed as `--set http.listen=...` (so it overrides the config
  // file). nullopt: 127.0.0.1 on a free port (see http_port()), so that tests running at
  // the same time never collide on graced's default port; "": no listener.
  std::optional<std::string> http_listen{};
  // Set in graced's environment on top of the test runner's ($GRACED_CONFIG is unset
  // unless given here).
  std::vector<std::pair<std::string, std::string>> env{};
  // Runs graced through this program, e.g. {"unshare", "--pid", "--fork"}; pid() is then
  // the launcher's.
  std::vector<std::string> launcher{};
  // The signal state graced inherits; otherwise default dispositions and an empty mask.
  std::vector<int> ignored_signals{};
  std::vector<int> blocked_signals{};
};

class GracedProcess {
 public:
  // Starts graced; throws std::runtime_error when it cannot be started.
  explicit GracedProcess(GracedOptions options);
  ~GracedProcess();
  GracedProcess(const GracedProcess&) = delete;
  GracedProcess& operator=(const GracedProcess&) = delete;

  // The process the harness started: graced, or the launcher.
  pid_t pid() const { return pid_; }
  // graced itself: pid(), or with a launcher the descendant running the graced binary
  // (looked for up to 10 s; -1 if it never appears).
  pid_t graced_pid();
  // The file written from GracedOptions::config; empty without one.
  const std::string& config_path() const { return config_path_; }
  // The listener's port when the harness chose it (GracedOptions::http_listen unset), else 0.
  std::uint16_t http_port() const { return http_port_; }
  // Scratch space that lives as long as this process.
  const TempDir& dir() const { return dir_; }

  // kill(graced_pid(), signo). Remembers graced's descendants first, so that they are still
  // cleaned up if the signal kills graced.
  void signal(int signo);
  // The exit code (128+N when killed by signal N) once graced has exited, nullopt if it
  // is still running after `timeout`. Reaps graced; later calls return the same code.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  bool running() { return !wait(std::chrono::milliseconds(0)).has_value(); }
  // How long graced ran, from start until wait() saw it exit.
  std::optional<std::chrono::milliseconds> run_time() const;
  // When wait() saw graced exit (within 5 ms of it); steady_clock is CLOCK_MONOTONIC, the
  // clock graced-test-child stamps signals with.
  std::optional<std::chrono::steady_clock::time_point> exited_at() const { return exited_; }

  std::string stdout_text() const;
  std::string stderr_text() const;
  // True once graced's stderr (its log) contains `text`.
  bool wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const;

 private:
  void remember_descendants();

  TempDir dir_;
  std::string config_path_;
  pid_t pid_ = -1;
  pid_t graced_pid_ = -1;
  std::uint16_t http_port_ = 0;
  bool launched_ = false;
  std::chrono::steady_clock::time_point started_;
  std::optional<std::chrono::steady_clock::time_point> exited_;
  std::optional<int> exit_code_;
  std::vector<ProcStat> known_;  // descendants seen while graced ran
  std::chrono::steady_clock::time_point last_scan_;
};

struct RunResult {
  std::optional<int> exit_code;  // nullopt: still running at the timeout (then killed)
  std::string out;
  std::string err;
};

// Runs graced to completion (e.g. `graced version`, or a child that exits by itself).
RunResult run_graced(GracedOptions options,
                     std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace graced::test
