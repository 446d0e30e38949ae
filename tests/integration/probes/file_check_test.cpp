// The file check kind against real files: fresh, stale, missing, the max_age boundary,
// and an attempt abandoned while its stat is on the thread pool.
#include "probes/file/file_check.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <optional>
#include <string>

#include "harness/files.hpp"
#include "harness/temp_dir.hpp"
#include "probes/check_config.hpp"

namespace graced::probes {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::vector<CheckConfig> parse_file(const std::string& keys, config::Diagnostics& diags) {
  config::Document doc;
  doc.load_string("[[checks]]\nname = \"f\"\ntype = \"file\"\n" + keys + "\n", "t.toml", diags);
  const config::SectionSpec spec{"", "", {{"checks", "table", "", ""}}};
  config::Section root = doc.root(spec, diags);
  return parse_checks_config(root);
}

// Sets a file's modification time to `age` before now.
void set_age(const std::string& path, std::chrono::milliseconds age) {
  const auto then = std::chrono::system_clock::now() - age;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(then.time_since_epoch());
  timespec times[2];
  times[0].tv_sec = 0;
  times[0].tv_nsec = UTIME_OMIT;
  times[1].tv_sec = static_cast<time_t>(ns.count() / 1'000'000'000);
  times[1].tv_nsec = static_cast<long>(ns.count() % 1'000'000'000);
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

class FileCheckTest : public ::testing::Test {
 protected:
  void SetUp() override { uv_loop_init(&loop_); }
  void TearDown() override {
    check_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);  // abandoned stats finish and free themselves
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  Check& make(const std::string& path, const std::string& max_age) {
    config::Diagnostics diags;
    auto checks = parse_file("path = \"" + path + "\"\nmax_age = \"" + max_age + "\"", diags);
    EXPECT_FALSE(diags.has_errors());
    if (checks.size() != 1) throw std::runtime_error("bad check config");
    config_ = checks.front();
    check_ = config_.kind->create(config_.settings, CheckContext{&loop_, nullptr, "f", 1000ms});
    return *check_;
  }

  CheckResult attempt(const std::string& path, const std::string& max_age) {
    Check& check = make(path, max_age);
    std::optional<CheckResult> result;
    int calls = 0;
    check.start([&](CheckResult r) {
      ++calls;
      result = std::move(r);
    });
    const auto deadline = Clock::now() + 10s;
    while (!result && Clock::now() < deadline)
      uv_run(&loop_, UV_RUN_ONCE);
    EXPECT_EQ(calls, 1);
    return result.value_or(CheckResult::fail("<no result>"));
  }

  uv_loop_t loop_{};
  test::TempDir dir_;
  CheckConfig config_;
  std::unique_ptr<Check> check_;
};

TEST_F(FileCheckTest, KindIsRegisteredAndNotADependency) {
  const CheckKind* kind = find_check_kind("file");
  ASSERT_NE(kind, nullptr);
  EXPECT_FALSE(kind->is_dependency());
}

TEST_F(FileCheckTest, FreshFilePasses) {
  const std::string path = dir_.file("heartbeat");
  test::write_file(path, "");
  const auto r = attempt(path, "30s");
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "last modified 0s ago");
}

TEST_F(FileCheckTest, StaleFileFailsWithItsAge) {
  const std::string path = dir_.file("heartbeat");
  test::write_file(path, "");
  set_age(path, 42s);
  const auto r = attempt(path, "30s");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "last modified 42s ago (max_age 30s)");
}

TEST_F(FileCheckTest, MissingFileFails) {
  const auto r = attempt(dir_.file("never-written"), "30s");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "no such file");
  // A path through a regular file is just as missing.
  test::write_file(dir_.file("plain"), "");
  EXPECT_EQ(attempt(dir_.file("plain") + "/heartbeat", "30s").message, "no such file");
}

TEST_F(FileCheckTest, MaxAgeBoundary) {
  const std::string path = dir_.file("heartbeat");
  test::write_file(path, "");
  set_age(path, 29s);
  const auto inside = attempt(path, "30s");
  EXPECT_TRUE(inside.ok) << inside.message;
  EXPECT_EQ(inside.message, "last modified 29s ago");
  set_age(path, 31s);
  const auto outside = attempt(path, "30s");
  EXPECT_FALSE(outside.ok);
  EXPECT_EQ(outside.message, "last modified 31s ago (max_age 30s)");
}

TEST_F(FileCheckTest, TouchingTheFileMakesItPassAgain) {
  const std::string path = dir_.file("heartbeat");
  test::write_file(path, "");
  set_age(path, 5s);
  EXPECT_FALSE(attempt(path, "2s").ok);
  set_age(path, 0ms);
  EXPECT_TRUE(attempt(path, "2s").ok);
}

TEST_F(FileCheckTest, JudgingAnAge) {
  EXPECT_TRUE(judge_file_age(30s, 30s).ok);
  EXPECT_EQ(judge_file_age(30s, 30s).message, "last modified 30s ago");
  // Just over: whole seconds would read "30s ago (max_age 30s)", so milliseconds show.
  EXPECT_FALSE(judge_file_age(30001ms, 30s).ok);
  EXPECT_EQ(judge_file_age(30001ms, 30s).message, "last modified 30s1ms ago (max_age 30s)");
  EXPECT_EQ(judge_file_age(90500ms, 30s).message, "last modified 1m30s ago (max_age 30s)");
  // Short max_ages show milliseconds.
  EXPECT_EQ(judge_file_age(750ms, 500ms).message, "last modified 750ms ago (max_age 500ms)");
  // A modification time in the future (a clock step) counts as just now.
  EXPECT_TRUE(judge_file_age(-5000ms, 1s).ok);
}

TEST_F(FileCheckTest, CancelledAttemptNeverAnswers) {
  const std::string path = dir_.file("heartbeat");
  test::write_file(path, "");
  Check& check = make(path, "30s");
  int calls = 0;
  check.start([&](CheckResult) { ++calls; });
  check.cancel();
  check.cancel();  // twice is harmless
  check_.reset();  // destroyed while the stat may still be on the thread pool
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(calls, 0);
}

TEST_F(FileCheckTest, CancelWhenIdleThenAttemptAgain) {
  const std::string path = dir_.file("heartbeat");
  test::write_file(path, "");
  Check& check = make(path, "30s");
  check.cancel();
  int calls = 0;
  check.start([&](CheckResult) { ++calls; });
  check.cancel();
  std::optional<CheckResult> result;
  check.start([&](CheckResult r) { result = std::move(r); });
  uv_run(&loop_, UV_RUN_DEFAULT);
  EXPECT_EQ(calls, 0);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->ok);
}

TEST_F(FileCheckTest, PathAndMaxAgeAreRequired) {
  for (const char* keys :
       {"max_age = \"30s\"", "path = \"/tmp/x\"", "path = \"\"\nmax_age = \"30s\"",
        "path = \"/tmp/x\"\nmax_age = \"0s\"", "path = \"/tmp/x\"\nmax_age = 30"}) {
    config::Diagnostics diags;
    const auto checks = parse_file(keys, diags);
    EXPECT_TRUE(diags.has_errors()) << keys;
    EXPECT_TRUE(checks.empty()) << keys;
  }
}

}  // namespace
}  // namespace graced::probes
