// graced exits with its child's status, as a shell would report it, and refuses a bad
// configuration before starting anything.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/temp_dir.hpp"

namespace graced::test {
namespace {

std::vector<std::string> lines_containing(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.find(needle) != std::string::npos) out.push_back(line);
  return out;
}

TEST(ExitStatus, ChildExitCodesPassThrough) {
  for (const char* code : {"0", "1", "42"}) {
    auto r = run_graced({.args = run_test_child({"exit", code})});
    EXPECT_EQ(r.exit_code, std::stoi(code)) << r.err;
  }
}

TEST(ExitStatus, ChildKilledBySignalNExits128PlusN) {
  for (int signo : {SIGTERM, SIGKILL, SIGUSR1}) {
    auto r = run_graced({.args = run_test_child({"kill-self", std::to_string(signo)})});
    EXPECT_EQ(r.exit_code, 128 + signo) << "signal " << signo << "\n" << r.err;
  }
}

TEST(ExitStatus, ExitCodeMapRemapsTheStatus) {
  const std::string config = "[process]\nexit_code_map = { \"143\" = 0, \"3\" = 7 }\n";
  auto killed = run_graced({.args = run_test_child({"kill-self", "SIGTERM"}), .config = config});
  EXPECT_EQ(killed.exit_code, 0) << killed.err;
  auto three = run_graced({.args = run_test_child({"exit", "3"}), .config = config});
  EXPECT_EQ(three.exit_code, 7) << three.err;
  auto unmapped = run_graced({.args = run_test_child({"exit", "4"}), .config = config});
  EXPECT_EQ(unmapped.exit_code, 4) << unmapped.err;
}

TEST(ExitStatus, MissingCommandExits127WithOneMessage) {
  const std::string missing = "/nonexistent/graced-test/no-such-program";
  auto r = run_graced({.args = {"--", missing}});
  EXPECT_EQ(r.exit_code, 127);
  auto reasons = lines_containing(r.err, "No such file or directory");
  ASSERT_EQ(reasons.size(), 1u) << r.err;
  EXPECT_NE(reasons[0].find(missing), std::string::npos) << reasons[0];
}

TEST(ExitStatus, NonExecutableFileExits126WithOneMessage) {
  TempDir dir;
  const std::string script = dir.file("not-executable");
  write_file(script, "#!/bin/sh\nexit 0\n", 0644);
  auto r = run_graced({.args = {"--", script}});
  EXPECT_EQ(r.exit_code, 126);
  auto reasons = lines_containing(r.err, "Permission denied");
  ASSERT_EQ(reasons.size(), 1u) << r.err;
  EXPECT_NE(reasons[0].find(script), std::string::npos) << reasons[0];
}

TEST(ExitStatus, MissingWorkdirExits126NamingTheDirectory) {
  TempDir dir;
  const std::string missing = dir.file("no-such-dir");
  auto r = run_graced({.args = {"--set", "process.workdir=\"" + missing + "\"", "--", "true"}});
  EXPECT_EQ(r.exit_code, 126);
  auto reasons = lines_containing(r.err, "chdir failed");
  ASSERT_EQ(reasons.size(), 1u) << r.err;
  EXPECT_NE(reasons[0].find("cannot run \"true\" in \"" + missing + "\""), std::string::npos)
      << reasons[0];
}

// The configured command would leave a file behind: it must never run.
class BadConfig : public ::testing::Test {
 protected:
  std::string config_with(const std::string& bad_line) {
    return "[process]\ncommand = [\"" + kTestChild + "\", \"touch\", \"" + marker + "\"]\n" +
           bad_line + "\n";
  }
  void expect_refused(GracedProcess& graced, const std::string& key) {
    EXPECT_EQ(graced.wait(std::chrono::seconds(10)), 2);
    const std::string err = graced.stderr_text();
    EXPECT_NE(err.find(graced.config_path() + ":3:"), std::string::npos) << err;
    EXPECT_NE(err.find(key), std::string::npos) << err;
    // A child started anyway would have touched the file by now.
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    EXPECT_FALSE(file_exists(marker)) << "the command ran despite the bad configuration";
  }

  TempDir dir;
  std::string marker = dir.file("started");
};

TEST_F(BadConfig, UnknownKeyExits2AndStartsNothing) {
  GracedProcess graced({.config = config_with("no_such_key = 1")});
  expect_refused(graced, "no_such_key");
}

TEST_F(BadConfig, BadDurationExits2AndStartsNothing) {
  GracedProcess graced({.config = config_with("orphan_grace = \"5 sec\"")});
  expect_refused(graced, "orphan_grace");
}

TEST_F(BadConfig, TheCommandRunsWhenTheConfigIsValid) {
  // The counterpart of the two above: the same command does leave its file.
  GracedProcess graced({.config = config_with("orphan_grace = \"5s\"")});
  EXPECT_EQ(graced.wait(std::chrono::seconds(10)), 0) << graced.stderr_text();
  EXPECT_TRUE(file_exists(marker));
}

}  // namespace
}  // namespace graced::test
