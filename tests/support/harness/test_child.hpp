// Reading what graced-test-child (tests/support/test_child) writes.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace graced::test {

// "SIGUSR1" for SIGUSR1, as graced-test-child names signals.
std::string signal_name(int signo);

struct RecordedSignal {
  std::string name;                          // "SIGTERM"
  std::chrono::steady_clock::time_point at;  // when it arrived (CLOCK_MONOTONIC)
};

// What `record-signals FILE` recorded, in order of arrival.
std::vector<RecordedSignal> read_signal_record(const std::string& file);
// Just the names.
std::vector<std::string> recorded_signals(const std::string& file);
// True once `name` (e.g. "SIGUSR1") is among them.
bool wait_for_signal(const std::string& file, const std::string& name,
                     std::chrono::milliseconds timeout);

// The pid written to a `--ready FILE`, once the file is there; nullopt at the timeout.
std::optional<pid_t> wait_for_ready(const std::string& file, std::chrono::milliseconds timeout);

}  // namespace graced::test
