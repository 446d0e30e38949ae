// The reason graced exists, measured end to end: HAProxy (health-checking /readyz) in
// front of two backends, each a real HTTP server under graced, a bounded load through
// HAProxy, and one backend stopped mid-load. With graced's drain window no request fails;
// forwarding SIGTERM at once (drain_delay = "0s", what tini does) must lose some — that
// control proves the test can see loss.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <regex>
#include <string>
#include <thread>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/ports.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wait.hpp"
#include "peers/http_get.hpp"
#include "peers/peer_process.hpp"

namespace graced::test {
namespace {

struct LoadResult {
  long requests = 0;
  long failed = 0;  // non-2xx/3xx responses plus socket errors
  std::string report;
};

long number_after(const std::string& text, const std::string& label) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex(label + R"(\s*(\d+))"))) return std::stol(m[1]);
  return 0;
}

LoadResult parse_wrk(const std::string& out) {
  LoadResult r;
  r.report = out;
  std::smatch m;
  if (std::regex_search(out, m, std::regex(R"((\d+) requests in)"))) r.requests = std::stol(m[1]);
  r.failed = number_after(out, "Non-2xx or 3xx responses:");
  if (std::regex_search(
          out, m,
          std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))"))) {
    r.failed += std::stol(m[1]) + std::stol(m[2]) + std::stol(m[3]) + std::stol(m[4]);
  }
  return r;
}

class ZeroDowntimeTest : public ::testing::Test {
 protected:
  std::unique_ptr<GracedProcess> backend(const std::string& name, std::uint16_t app_port,
                                         const std::string& drain_delay) {
    GracedOptions opts;
    opts.config = "[shutdown]\ndrain_delay = \"" + drain_delay +
                  "\"\n[process]\ncommand = [\"python3\", \"" + kSourceDir +
                  "/tests/integration/lifecycle/zero_downtime/backend.py\", \"" + name + "\", \"" +
                  std::to_string(app_port) +
                  "\"]\n[[checks]]\nname = \"app\"\ntype = \"tcp\"\naddress = \"127.0.0.1:" +
                  std::to_string(app_port) + "\"\ninterval = \"500ms\"\ntimeout = \"400ms\"\n" +
                  "success_threshold = 1\nfailure_threshold = 1\n";
    return std::make_unique<GracedProcess>(opts);
  }

  // Runs the whole scenario; returns what the load saw.
  LoadResult run(const std::string& drain_delay) {
    const auto app1 = free_port(), app2 = free_port(), front = free_port();
    auto b1 = backend("b1", app1, drain_delay);
    auto b2 = backend("b2", app2, "3s");
    for (auto* b : {b1.get(), b2.get()}) {
      EXPECT_TRUE(
          wait_until([&] { return http_get(b->http_port(), "/readyz").status == 200; }, 15s))
          << b->stderr_text();
    }
    const std::string cfg = dir_.file("haproxy.cfg");
    write_file(cfg,
               "global\n  maxconn 2000\n"
               "defaults\n  mode http\n  timeout connect 1s\n  timeout client 10s\n"
               "  timeout server 10s\n  retries 0\n"
               "frontend fe\n  bind 127.0.0.1:" +
                   std::to_string(front) +
                   "\n  default_backend be\n"
                   "backend be\n  balance roundrobin\n  option httpchk GET /readyz\n"
                   "  http-check expect status 200\n  default-server inter 500ms fall 2 rise 2\n"
                   "  server b1 127.0.0.1:" +
                   std::to_string(app1) + " check port " + std::to_string(b1->http_port()) +
                   "\n"
                   "  server b2 127.0.0.1:" +
                   std::to_string(app2) + " check port " + std::to_string(b2->http_port()) + "\n");
    PeerProcess haproxy;
    haproxy.spawn({"/usr/sbin/haproxy", "-db", "-f", cfg}, dir_.file("haproxy.log"));
    // Both backends in rotation before the load starts.
    bool saw1 = false, saw2 = false;
    EXPECT_TRUE(wait_until(
        [&] {
          auto r = http_get(front, "/");
          saw1 = saw1 || r.body == "b1\n";
          saw2 = saw2 || r.body == "b2\n";
          return saw1 && saw2;
        },
        15s, 50ms))
        << log_tail(dir_.file("haproxy.log"));

    PeerProcess load;
    load.spawn(
        {"/usr/bin/wrk", "-t1", "-c8", "-d6s", "http://127.0.0.1:" + std::to_string(front) + "/"},
        dir_.file("wrk.log"));
    std::this_thread::sleep_for(1500ms);
    b1->signal(SIGTERM);
    EXPECT_TRUE(load.wait(30s).has_value());
    EXPECT_TRUE(b1->wait(15s).has_value()) << b1->stderr_text();
    auto result = parse_wrk(read_file(dir_.file("wrk.log")).value_or(""));
    haproxy.stop(SIGTERM, 2s);
    return result;
  }

  TempDir dir_;
};

TEST_F(ZeroDowntimeTest, NoRequestFailsWhenABackendStopsUnderGraced) {
  auto r = run("3s");
  std::printf("graced drain 3s: %ld requests, %ld failed\n", r.requests, r.failed);
  EXPECT_GT(r.requests, 100) << r.report;
  EXPECT_EQ(r.failed, 0) << r.report;
}

TEST_F(ZeroDowntimeTest, ControlForwardingSigtermAtOnceLosesRequests) {
  auto r = run("0s");
  std::printf("control drain 0s: %ld requests, %ld failed\n", r.requests, r.failed);
  EXPECT_GT(r.requests, 100) << r.report;
  EXPECT_GT(r.failed, 0) << "the test must be able to see loss\n" << r.report;
}

}  // namespace
}  // namespace graced::test
