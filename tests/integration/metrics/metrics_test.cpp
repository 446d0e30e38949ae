// /metrics of the real binary: what Prometheus scrapes, checked by Prometheus' own
// promtool, and values that follow what graced does (checks, signals, requests, gRPC
// calls, the shutdown phase).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/ports.hpp"
#include "harness/proc.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wait.hpp"
#include "peers/http_get.hpp"
#include "peers/peer_process.hpp"
#include "version.hpp"

namespace graced {
namespace {

using namespace std::chrono_literals;
using test::GracedProcess;
using ::testing::HasSubstr;

// A child that ignores SIGHUP and SIGUSR1, so forwarded signals leave it running.
const std::string kChild =
    "[process]\ncommand = [\"sh\", \"-c\", \"trap '' HUP USR1; exec sleep 1000\"]\n";

// kChild ignores HUP and USR1 once it runs sleep.
bool child_runs_sleep(pid_t graced) {
  for (pid_t child : test::children_of(graced)) {
    if (test::read_file("/proc/" + std::to_string(child) + "/comm").value_or("") == "sleep\n")
      return true;
  }
  return false;
}

// "name{labels}" -> value, for every sample line.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

class MetricsTest : public ::testing::Test {
 protected:
  void start(const std::string& config) {
    graced_ = std::make_unique<GracedProcess>(test::GracedOptions{.config = config});
    ASSERT_TRUE(
        test::wait_until([&] { return test::http_get(port(), "/livez").status == 200; }, 10s))
        << graced_->stderr_text();
  }
  std::uint16_t port() const { return graced_->http_port(); }
  std::string scrape(const std::string& path = "/metrics") {
    const auto r = test::http_get(port(), path);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_THAT(r.headers, HasSubstr("text/plain; version=0.0.4"));
    return r.body;
  }
  // promtool's verdict: "" when it accepts the exposition, else what it said.
  std::string promtool_problems(const std::string& text) {
    const std::string in = scratch_.file("metrics.txt");
    const std::string log = scratch_.file("promtool.log");
    test::write_file(in, text);
    try {
      test::run_peer_tool({"/bin/sh", "-c", "/usr/bin/promtool check metrics < " + in}, log,
                          std::nullopt, 30s);
    } catch (const std::exception& e) {
      return e.what();
    }
    return test::read_file(log).value_or("");
  }

  test::TempDir scratch_;
  std::unique_ptr<GracedProcess> graced_;
};

TEST_F(MetricsTest, PromtoolAcceptsTheExpositionAndValuesFollowTheChecks) {
  const std::string heartbeat = scratch_.file("heartbeat");
  test::write_file(heartbeat, "");
  start(kChild + "[[checks]]\nname = \"heartbeat\"\ntype = \"file\"\npath = \"" + heartbeat +
        "\"\nmax_age = \"1h\"\ninterval = \"100ms\"\ntimeout = \"50ms\"\nfailure_threshold = 1\n");
  ASSERT_TRUE(
      test::wait_until([&] { return test::http_get(port(), "/readyz").status == 200; }, 10s));
  std::string text = scrape();
  EXPECT_EQ(promtool_problems(text), "");
  auto m = samples(text);
  EXPECT_EQ(m["graced_probe_status{probe=\"readiness\"}"], 1);
  EXPECT_EQ(m["graced_probe_status{probe=\"liveness\"}"], 1);
  EXPECT_EQ(m["graced_check_status{check=\"heartbeat\",type=\"file\"}"], 1);
  EXPECT_GE(m["graced_check_runs_total{check=\"heartbeat\",result=\"success\"}"], 1);
  EXPECT_GE(m["graced_check_duration_seconds_count{check=\"heartbeat\"}"], 1);
  EXPECT_EQ(m["graced_child_up"], 1);
  EXPECT_GT(m["graced_child_start_time_seconds"], 1.7e9);
  EXPECT_EQ(m["graced_shutdown_phase{phase=\"running\"}"], 1);
  EXPECT_EQ(m["graced_build_info{version=\"" + std::string(kVersion) + "\"}"], 1);
  EXPECT_GT(m["process_resident_memory_bytes"], 0);
  EXPECT_GT(m["process_open_fds"], 0);
  EXPECT_GT(m["process_start_time_seconds"], 1.7e9);

  std::filesystem::remove(heartbeat);
  ASSERT_TRUE(
      test::wait_until([&] { return test::http_get(port(), "/readyz").status == 503; }, 10s));
  m = samples(scrape());
  EXPECT_EQ(m["graced_probe_status{probe=\"readiness\"}"], 0);
  EXPECT_EQ(m["graced_check_status{check=\"heartbeat\",type=\"file\"}"], 0);
  EXPECT_GE(m["graced_check_runs_total{check=\"heartbeat\",result=\"failure\"}"], 1);
  EXPECT_EQ(m["graced_check_transitions_total{check=\"heartbeat\"}"], 2);  // up, then down
}

TEST_F(MetricsTest, SignalsRequestsAndGrpcCallsAreCounted) {
  start(kChild + "[signals]\nrewrite = { SIGHUP = \"SIGUSR1\" }\n");
  // SIGUSR1 would end the child (and so graced) before sh has run `trap`: wait for the
  // exec of sleep that follows it.
  ASSERT_TRUE(test::wait_until([&] { return child_runs_sleep(graced_->graced_pid()); }, 10s));
  graced_->signal(SIGHUP);
  ASSERT_TRUE(graced_->wait_for_log("signal forwarded", 10s));
  test::http_get(port(), "/readyz");
  test::http_get(port(), "/readyz/nope");
  test::http_get(port(), "/favicon.ico");
  const auto probe = test::run_graced(
      {.args = {"probe", "grpc", "127.0.0.1:" + std::to_string(port()), "--service", "nope",
                "--connect-timeout", "10s", "--rpc-timeout", "10s"}});
  EXPECT_EQ(probe.exit_code, 3);
  // A peer sees EOF as soon as graced shuts its side down; graced's own close runs a
  // loop turn later, so the earlier connections may still be counted for a moment.
  std::string text;
  EXPECT_TRUE(test::wait_until(
      [&] {
        text = scrape();
        return samples(text)["graced_connections{protocol=\"http1\"}"] == 1;
      },
      5s))
      << text;
  EXPECT_EQ(promtool_problems(text), "");
  auto m = samples(text);
  EXPECT_EQ(m["graced_signals_received_total{signal=\"SIGHUP\"}"], 1);
  EXPECT_EQ(m["graced_signals_forwarded_total{signal=\"SIGUSR1\"}"], 1);
  EXPECT_EQ(m.count("graced_signals_forwarded_total{signal=\"SIGHUP\"}"), 0u);
  EXPECT_GE(m["graced_http_requests_total{path_class=\"probe\",code=\"200\"}"], 1);
  EXPECT_EQ(m["graced_http_requests_total{path_class=\"check\",code=\"404\"}"], 1);
  EXPECT_EQ(m["graced_http_requests_total{path_class=\"other\",code=\"404\"}"], 1);
  EXPECT_EQ(m["graced_grpc_requests_total{method=\"Check\",code=\"NOT_FOUND\"}"], 1);
  EXPECT_EQ(m["graced_connections{protocol=\"http1\"}"], 1);  // this scrape
  // No raw path ever becomes a label value.
  EXPECT_THAT(text, ::testing::Not(HasSubstr("favicon")));
}

TEST_F(MetricsTest, ThePhaseShowsTheDrain) {
  start(kChild + "[shutdown]\ndrain_delay = \"3s\"\n");
  graced_->signal(SIGTERM);
  ASSERT_TRUE(graced_->wait_for_log("draining", 10s)) << graced_->stderr_text();
  auto m = samples(scrape());
  EXPECT_EQ(m["graced_shutdown_phase{phase=\"draining\"}"], 1);
  EXPECT_EQ(m["graced_shutdown_phase{phase=\"running\"}"], 0);
  EXPECT_EQ(m["graced_probe_status{probe=\"readiness\"}"], 0);
  EXPECT_GT(m["graced_shutdown_phase_duration_seconds{phase=\"running\"}"], 0);
  EXPECT_EQ(m["graced_signals_received_total{signal=\"SIGTERM\"}"], 1);
}

TEST_F(MetricsTest, PathAndSwitch) {
  start(kChild + "[metrics]\npath = \"/internal/metrics\"\n");
  EXPECT_THAT(scrape("/internal/metrics"), HasSubstr("graced_child_up 1"));
  EXPECT_EQ(test::http_get(port(), "/metrics").status, 404);
  graced_.reset();
  start(kChild + "[metrics]\nenabled = false\n");
  EXPECT_EQ(test::http_get(port(), "/metrics").status, 404);
}

TEST(MetricsConfig, APathUnderAProbePathIsRejected) {
  const auto r = test::run_graced(
      {.args = {"check-config"}, .config = kChild + "[metrics]\npath = \"/readyz/metrics\"\n"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr(":4: metrics.path: \"/readyz/metrics\" is one of the probe paths"));
}

}  // namespace
}  // namespace graced
