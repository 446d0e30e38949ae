// Shared set-up for hook tests: a loop run in the test thread, the real spawner reaping on
// a short timer (the test process has no SIGCHLD handler), hooks parsed from TOML the way
// graced parses them, and a scratch directory for the files hooks write.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/section.hpp"
#include "harness/files.hpp"
#include "harness/proc.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wait.hpp"
#include "hooks/hook_config.hpp"
#include "loop/handle.hpp"
#include "process/spawner.hpp"

namespace graced::hooks {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline std::chrono::milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

// A TOML basic string that graced reads back as `s`: "$" is doubled, since graced expands
// ${VAR} in configuration strings ("$$" is a literal "$").
inline std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '$') out += '$';
    out += c;
  }
  return out + "\"";
}

// `exec = ["sh", "-c", script]`
inline std::string sh(const std::string& script) {
  return "exec = [\"sh\", \"-c\", " + toml_string(script) + "]";
}

class HookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    reaper_ = loop::Timer(&loop_);
    reaper_.start(
        5, [this] { spawner_.reap(); }, 5);
  }

  void TearDown() override {
    release();
    // Every process a hook started is reaped before the next test (peers excepted).
    EXPECT_TRUE(run_until([this] { return own_children().empty(); }, 5s))
        << "processes left behind";
    spawner_.reap();
    reaper_.close();
    uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  // Destroys what the test built on the loop (runners, sequences).
  virtual void release() {}

  // Parses [[hooks]] tables; the hooks live as long as the test.
  const std::vector<HookConfig>& parse(const std::string& toml) {
    config::Diagnostics diags;
    config::Document doc;
    doc.load_string(toml, "t.toml", diags);
    const config::SectionSpec spec{"", "", {{"hooks", "array", "", ""}}};
    config::Section root = doc.root(spec, diags);
    hooks_ = parse_hooks_config(root);
    std::string errors;
    for (const auto& d : diags.errors())
      errors += d.str() + "\n";
    EXPECT_TRUE(errors.empty()) << errors;
    return hooks_;
  }

  // One hook: `keys` after its name and phase.
  const HookConfig& hook(const std::string& name, const std::string& keys,
                         const std::string& phase = "pre-stop") {
    const auto& hooks = parse("[[hooks]]\nname = " + toml_string(name) +
                              "\nphase = " + toml_string(phase) + "\n" + keys + "\n");
    if (hooks.size() != 1) throw std::runtime_error("bad hook config");
    return hooks.front();
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  // Runs the loop for a while whatever happens.
  void run_for(std::chrono::milliseconds period) {
    const auto until = Clock::now() + period;
    run_until([&] { return Clock::now() >= until; }, period + 1s);
  }

  std::vector<pid_t> own_children() const {
    auto children = test::children_of(getpid());
    children.erase(
        std::remove_if(
            children.begin(), children.end(),
            [this](pid_t p) { return std::find(peers_.begin(), peers_.end(), p) != peers_.end(); }),
        children.end());
    return children;
  }

  // A pid written by a hook into scratch file `name`, once it is there.
  pid_t pid_from(const std::string& name) {
    std::string text;
    run_until(
        [&] {
          text = test::read_file(scratch_.file(name)).value_or("");
          return text.find('\n') != std::string::npos;
        },
        5s);
    return text.empty() ? 0 : static_cast<pid_t>(std::stoi(text));
  }

  uv_loop_t loop_{};
  process::InheritedSignals inherited_ = process::InheritedSignals::capture();
  process::Spawner spawner_{inherited_};
  loop::Timer reaper_;
  test::TempDir scratch_;
  std::vector<HookConfig> hooks_;
  std::vector<pid_t> peers_;  // children of the test that are not hooks' (servers)
};

}  // namespace graced::hooks
