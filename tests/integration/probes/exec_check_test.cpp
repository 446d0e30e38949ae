// The exec check kind with real commands through the real spawner: exit codes, captured
// output and its cap, the timeout killing the whole process group, exec failures.
#include "probes/exec/exec_check.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>

#include "harness/files.hpp"
#include "harness/proc.hpp"
#include "harness/temp_dir.hpp"
#include "harness/wait.hpp"
#include "loop/handle.hpp"
#include "probes/check_config.hpp"
#include "process/spawner.hpp"

namespace graced::probes {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A TOML string literal for `s` (basic string, escaped).
std::string toml_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string toml_command(std::initializer_list<std::string> argv) {
  std::string out = "[";
  for (const auto& a : argv)
    out += (out.size() > 1 ? ", " : "") + toml_string(a);
  return out + "]";
}

// Parses one [[checks]] table of type exec with `keys` added.
std::vector<CheckConfig> parse_exec(const std::string& keys, config::Diagnostics& diags) {
  config::Document doc;
  doc.load_string("[[checks]]\nname = \"e\"\ntype = \"exec\"\n" + keys + "\n", "t.toml", diags);
  const config::SectionSpec spec{"", "", {{"checks", "table", "", ""}}};
  config::Section root = doc.root(spec, diags);
  return parse_checks_config(root);
}

class ExecCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    // The test process has no SIGCHLD handler of its own: reap on a short timer instead.
    reaper_ = loop::Timer(&loop_);
    reaper_.start(
        5, [this] { spawner_.reap(); }, 5);
  }

  void TearDown() override {
    check_.reset();
    // Let every process this test started be reaped, so none leaks into the next test.
    run_until([] { return test::children_of(getpid()).empty(); }, 5s);
    spawner_.reap();
    reaper_.close();
    uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  Check& make(const std::string& keys) {
    config::Diagnostics diags;
    auto checks = parse_exec(keys, diags);
    EXPECT_FALSE(diags.has_errors());
    EXPECT_EQ(checks.size(), 1u);
    if (checks.size() != 1) throw std::runtime_error("bad check config");
    config_ = checks.front();
    CheckContext ctx{&loop_, &spawner_, "e", config::Duration{1000}};
    check_ = config_.kind->create(config_.settings, ctx);
    return *check_;
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() >= deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  // Runs one attempt to its end.
  CheckResult attempt(const std::string& keys, std::chrono::milliseconds limit = 10s) {
    Check& check = make(keys);
    std::optional<CheckResult> result;
    int calls = 0;
    check.start([&](CheckResult r) {
      ++calls;
      result = std::move(r);
    });
    EXPECT_TRUE(run_until([&] { return result.has_value(); }, limit)) << "no result in time";
    EXPECT_EQ(calls, 1);
    return result.value_or(CheckResult::fail("<no result>"));
  }

  uv_loop_t loop_{};
  process::InheritedSignals inherited_ = process::InheritedSignals::capture();
  process::Spawner spawner_{inherited_};
  loop::Timer reaper_;
  CheckConfig config_;
  std::unique_ptr<Check> check_;
};

TEST_F(ExecCheckTest, KindIsRegisteredAndNotADependency) {
  const CheckKind* kind = find_check_kind("exec");
  ASSERT_NE(kind, nullptr);
  EXPECT_FALSE(kind->is_dependency());
}

TEST_F(ExecCheckTest, ExitZeroPassesWithTrimmedOutputAsMessage) {
  const auto r =
      attempt("command = " + toml_command({"sh", "-c", "printf '\\n  all good  \\n\\n'"}));
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.message, "all good");
}

TEST_F(ExecCheckTest, ExitOneFailsWithStdoutAndStderrCombined) {
  const auto r = attempt("command = " +
                         toml_command({"sh", "-c", "echo out; echo err >&2; echo more; exit 1"}));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "out\nerr\nmore");
}

TEST_F(ExecCheckTest, FailureWithoutOutputDescribesTheExit) {
  auto r = attempt("command = " + toml_command({"sh", "-c", "exit 3"}));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "exited with code 3");
  r = attempt("command = " + toml_command({"sh", "-c", "kill -9 $$$$"}));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "killed by SIGKILL");
}

TEST_F(ExecCheckTest, CommandNotFound) {
  const auto r = attempt("command = [\"graced-no-such-program\", \"--flag\"]");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "cannot run \"graced-no-such-program\": No such file or directory");
}

TEST_F(ExecCheckTest, MissingWorkdirIsReportedAsSuch) {
  const auto r = attempt("command = [\"true\"]\nworkdir = \"/nonexistent/graced-dir\"");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message,
            "cannot run \"true\": cannot change to \"/nonexistent/graced-dir\": No such file or "
            "directory");
}

TEST_F(ExecCheckTest, WorkdirAndEnvReachTheCommand) {
  test::TempDir dir;
  const auto r =
      attempt("command = " + toml_command({"sh", "-c", "echo \"$(pwd) $GREETING\""}) +
              "\nworkdir = " + toml_string(dir.path()) + "\nenv = { GREETING = \"hello there\" }");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.message, dir.path() + " hello there");
}

TEST_F(ExecCheckTest, StdinIsDevNull) {
  // `cat` would wait for input on an inherited terminal or pipe.
  const auto r = attempt("command = " + toml_command({"sh", "-c", "cat; echo eof"}), 5s);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.message, "eof");
}

TEST_F(ExecCheckTest, OutputIsCappedAt4KiBWhileTheCommandWritesOneMiB) {
  // 1 MiB is far more than a pipe holds: the command gets to its `exit 1` only if graced
  // keeps reading after the cap.
  const auto r = attempt(
      "command = " + toml_command({"sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' x; exit 1"}),
      20s);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message.size(), 4096u);
  EXPECT_EQ(r.message, std::string(4096, 'x'));
}

TEST_F(ExecCheckTest, OneMiBOfOutputDoesNotBlockTheCommand) {
  const auto start = Clock::now();
  const auto r = attempt(
      "command = " + toml_command({"sh", "-c", "head -c 1048576 /dev/zero | tr '\\0' y"}), 20s);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.message, std::string(4096, 'y'));
  EXPECT_LT(Clock::now() - start, 10s);
}

TEST_F(ExecCheckTest, CapDoesNotCutAMultiByteCharacter) {
  // 4095 ASCII bytes, then "é" (2 bytes) straddling the 4 KiB cap.
  const auto r = attempt(
      "command = " +
      toml_command({"sh", "-c", "head -c 4095 /dev/zero | tr '\\0' a; printf '\\303\\251 tail'"}));
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.message, std::string(4095, 'a'));
}

TEST_F(ExecCheckTest, BackgroundProcessHoldingThePipeNeitherDelaysNorOutlivesTheAttempt) {
  // The shell exits at once; `sleep` keeps the output pipe open.
  const auto start = Clock::now();
  const auto r = attempt("command = " + toml_command({"sh", "-c", "sleep 100 & echo $!"}));
  EXPECT_LT(Clock::now() - start, 5s);
  ASSERT_TRUE(r.ok) << r.message;
  const pid_t sleeper = static_cast<pid_t>(std::stol(r.message));
  EXPECT_TRUE(test::wait_until([&] { return !test::is_alive(sleeper); }, 5s))
      << "the background sleep " << sleeper << " survived the attempt";
}

TEST_F(ExecCheckTest, CancelKillsTheWholeProcessGroupAndNeverCallsDone) {
  test::TempDir dir;
  const std::string pid_file = dir.file("pids");
  // The shell and its background `sleep` are both in the command's process group. ("$$$$"
  // is the shell's "$$": configuration strings expand ${VAR}, and "$$" stands for "$".)
  Check& check =
      make("command = " +
           toml_command({"sh", "-c", "sleep 100 & echo $$$$ $! > " + pid_file + "; wait"}));
  int calls = 0;
  check.start([&](CheckResult) { ++calls; });
  std::string pids;
  ASSERT_TRUE(run_until(
      [&] {
        pids = test::read_file(pid_file).value_or("");
        return pids.find('\n') != std::string::npos;
      },
      10s));
  const pid_t shell = static_cast<pid_t>(std::stol(pids));
  const pid_t sleeper = static_cast<pid_t>(std::stol(pids.substr(pids.find(' '))));
  ASSERT_TRUE(test::is_alive(shell));
  ASSERT_TRUE(test::is_alive(sleeper));

  check.cancel();
  check_.reset();  // the engine may destroy a check right after cancel()
  EXPECT_TRUE(run_until([&] { return !test::is_alive(shell) && !test::is_alive(sleeper); }, 5s))
      << "shell " << test::is_alive(shell) << ", sleep " << test::is_alive(sleeper);
  // The exit of the cancelled command is reaped without reaching the destroyed check.
  EXPECT_TRUE(run_until([&] { return !spawner_.running(shell); }, 5s));
  run_until([] { return false; }, 100ms);
  EXPECT_EQ(calls, 0);
}

TEST_F(ExecCheckTest, CancelWhenIdleAndRepeatedAttempts) {
  Check& check = make("command = [\"sh\", \"-c\", \"echo run\"]");
  check.cancel();  // nothing in flight
  for (int i = 0; i < 3; ++i) {
    std::optional<CheckResult> result;
    check.start([&](CheckResult r) { result = std::move(r); });
    ASSERT_TRUE(run_until([&] { return result.has_value(); }, 10s));
    EXPECT_TRUE(result->ok);
    EXPECT_EQ(result->message, "run");
  }
  check.cancel();
}

TEST_F(ExecCheckTest, CommandIsRequiredAndMustNotBeEmpty) {
  for (const char* keys : {"", "command = []", "command = [\"\"]", "command = \"true\""}) {
    config::Diagnostics diags;
    const auto checks = parse_exec(keys, diags);
    EXPECT_TRUE(diags.has_errors()) << keys;
    EXPECT_TRUE(checks.empty()) << keys;
  }
}

TEST_F(ExecCheckTest, SettingsAreEmittedForCheckConfig) {
  config::Diagnostics diags;
  const auto checks = parse_exec(
      "command = [\"pg_isready\", \"-q\"]\nworkdir = \"/srv\"\nenv = { A = \"1\" }", diags);
  ASSERT_EQ(checks.size(), 1u);
  config::Emitter emitter;
  emit_checks_config(checks, emitter.root());
  const std::string out = emitter.str();
  EXPECT_NE(out.find("command = [ 'pg_isready', '-q' ]"), std::string::npos) << out;
  EXPECT_NE(out.find("workdir = '/srv'"), std::string::npos) << out;
  EXPECT_NE(out.find("A = '1'"), std::string::npos) << out;
}

}  // namespace
}  // namespace graced::probes
