// Shared set-up for lifecycle tests: graced on a free loopback port wrapping a
// graced-test-child that records, with CLOCK_MONOTONIC timestamps, every signal it gets.
#pragma once

#include <gtest/gtest.h>
#include <time.h>

#include <csignal>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/ports.hpp"
#include "harness/wait.hpp"
#include "peers/http_get.hpp"

namespace graced::test {

inline double monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct SignalRecord {
  std::string name;
  double at = 0;  // CLOCK_MONOTONIC seconds
};

class LifecycleTest : public ::testing::Test {
 protected:
  // Starts graced with `extra_config` (TOML appended after [http]) around
  // `record-signals` and waits until the child's handlers are in place and readiness passes.
  void start(const std::string& extra_config, const std::string& child_flags = "",
             bool wait_ready = true) {
    signals_file_ = scratch_.file("signals");
    ready_file_ = scratch_.file("ready");
    std::string config = extra_config + "\n[process]\ncommand = [\"" + kTestChild +
                         "\", \"record-signals\", \"" + signals_file_ + "\", \"--ready\", \"" +
                         ready_file_ + "\"" + child_flags + "]\n";
    GracedOptions opts;
    opts.config = config;
    graced_ = std::make_unique<GracedProcess>(opts);
    port_ = graced_->http_port();
    if (wait_ready) {
      ASSERT_TRUE(wait_until([&] { return file_exists(ready_file_); }, 10s))
          << graced_->stderr_text();
      HttpReply last;
      ASSERT_TRUE(wait_until(
          [&] {
            last = http_get(port_, "/readyz");
            return last.status == 200;
          },
          10s))
          << "last answer: " << last.status << " " << last.error << " " << last.body << "\n"
          << graced_->stderr_text();
    }
  }

  std::vector<SignalRecord> received() const {
    std::vector<SignalRecord> out;
    std::istringstream in(read_file(signals_file_).value_or(""));
    SignalRecord r;
    while (in >> r.name >> r.at)
      out.push_back(r);
    return out;
  }

  std::optional<double> first(const std::string& name) const {
    for (const auto& r : received())
      if (r.name == name) return r.at;
    return std::nullopt;
  }

  TempDir scratch_;
  std::uint16_t port_ = 0;
  std::string signals_file_;
  std::string ready_file_;
  std::unique_ptr<GracedProcess> graced_;
};

}  // namespace graced::test
