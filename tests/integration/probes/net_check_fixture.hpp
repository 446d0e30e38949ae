// What the tcp and http check tests share: build a check of a kind from TOML keys, run
// attempts on a private libuv loop, and make sure nothing is left on the loop afterwards
// (an abandoned attempt must close every handle it opened).
#pragma once

#include <gtest/gtest.h>
#include <uv.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/emitter.hpp"
#include "probes/check.hpp"
#include "probes/check_config.hpp"
#include "probes/common/resolver.hpp"

namespace graced::probes {

class NetCheckTest : public ::testing::Test {
 protected:
  using Clock = std::chrono::steady_clock;

  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }

  void TearDown() override {
    check_.reset();
    // Closing handles takes loop iterations; a handle still active after that leaked.
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (uv_loop_alive(&loop_) && Clock::now() < deadline)
      uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_FALSE(uv_loop_alive(&loop_)) << "handles left active on the loop";
    EXPECT_EQ(uv_loop_close(&loop_), 0);
    set_dns_servers("");
  }

  std::vector<CheckConfig> parse(const std::string& type, const std::string& keys,
                                 config::Diagnostics& diags) {
    config::Document doc;
    doc.load_string("[[checks]]\nname = \"c\"\ntype = \"" + type + "\"\n" + keys + "\n", "t.toml",
                    diags);
    const config::SectionSpec spec{"", "", {{"checks", "table", "", ""}}};
    config::Section root = doc.root(spec, diags);
    return parse_checks_config(root);
  }

  // The error messages parsing `keys` produces, joined by newlines.
  std::string errors(const std::string& type, const std::string& keys) {
    config::Diagnostics diags;
    parse(type, keys, diags);
    std::string out;
    for (const auto& d : diags.errors())
      out += d.message + "\n";
    return out;
  }

  // check-config's rendering of the check.
  std::string emitted(const std::string& type, const std::string& keys) {
    config::Diagnostics diags;
    auto checks = parse(type, keys, diags);
    config::Emitter emitter;
    emit_checks_config(checks, emitter.root());
    return emitter.str();
  }

  Check& make(const std::string& type, const std::string& keys) {
    config::Diagnostics diags;
    auto checks = parse(type, keys, diags);
    for (const auto& d : diags.all())
      ADD_FAILURE() << d.str();
    if (checks.size() != 1) throw std::runtime_error("bad check config: " + keys);
    config_ = checks.front();
    check_ = config_.kind->create(config_.settings,
                                  CheckContext{&loop_, nullptr, "c", std::chrono::seconds(1)});
    return *check_;
  }

  // Starts an attempt; the result lands in result_ (calls_ counts the calls).
  void start(Check& check) {
    result_.reset();
    calls_ = 0;
    check.start([this](CheckResult r) {
      ++calls_;
      result_ = std::move(r);
    });
  }

  // Runs the loop until the attempt has answered or `timeout` has passed.
  void run_until_result(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!result_ && Clock::now() < deadline)
      run_for(std::chrono::milliseconds(20));
  }

  // Runs the loop for about `duration`, whatever happens on it.
  void run_for(std::chrono::milliseconds duration) {
    uv_timer_t timer;
    uv_timer_init(&loop_, &timer);
    uv_timer_start(
        &timer, [](uv_timer_t* t) { uv_stop(t->loop); },
        static_cast<std::uint64_t>(duration.count()), 0);
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_close(reinterpret_cast<uv_handle_t*>(&timer), nullptr);
    uv_run(&loop_, UV_RUN_NOWAIT);
  }

  // One whole attempt of a check built from `keys`.
  CheckResult attempt(const std::string& type, const std::string& keys) {
    Check& check = make(type, keys);
    start(check);
    run_until_result(std::chrono::seconds(10));
    EXPECT_EQ(calls_, 1);
    return result_.value_or(CheckResult::fail("<no result within 10s>"));
  }

  uv_loop_t loop_{};
  CheckConfig config_;
  std::unique_ptr<Check> check_;
  std::optional<CheckResult> result_;
  int calls_ = 0;
};

}  // namespace graced::probes
