#include "harness/test_child.hpp"

#include <csignal>
#include <cstring>
#include <sstream>

#include "harness/files.hpp"
#include "harness/wait.hpp"

namespace graced::test {

std::string signal_name(int signo) {
  if (const char* abbrev = sigabbrev_np(signo)) return std::string("SIG") + abbrev;
  if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
    return "SIGRTMIN+" + std::to_string(signo - SIGRTMIN);
  }
  return "SIG" + std::to_string(signo);
}

std::vector<RecordedSignal> read_signal_record(const std::string& file) {
  std::vector<RecordedSignal> out;
  std::istringstream lines(read_file(file).value_or(""));
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string name;
    long long seconds = 0;
    char dot = 0;
    long long nanos = 0;
    if (!(fields >> name >> seconds >> dot >> nanos) || dot != '.') continue;
    out.push_back({name, std::chrono::steady_clock::time_point(std::chrono::seconds(seconds) +
                                                               std::chrono::nanoseconds(nanos))});
  }
  return out;
}

std::vector<std::string> recorded_signals(const std::string& file) {
  std::vector<std::string> names;
  for (const auto& r : read_signal_record(file))
    names.push_back(r.name);
  return names;
}

bool wait_for_signal(const std::string& file, const std::string& name,
                     std::chrono::milliseconds timeout) {
  return wait_until(
      [&] {
        for (const auto& n : recorded_signals(file))
          if (n == name) return true;
        return false;
      },
      timeout);
}

std::optional<pid_t> wait_for_ready(const std::string& file, std::chrono::milliseconds timeout) {
  std::optional<pid_t> pid;
  wait_until(
      [&] {
        auto text = read_file(file);
        if (!text || text->empty()) return false;
        pid = static_cast<pid_t>(std::stol(*text));
        return true;
      },
      timeout);
  return pid;
}

}  // namespace graced::test
