// When the child exits, what is left of its process group gets SIGTERM, then SIGKILL after
// process.orphan_grace; graced exits as soon as the group is empty.
#include <gtest/gtest.h>

#include <optional>

#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/proc.hpp"
#include "harness/temp_dir.hpp"
#include "harness/test_child.hpp"

namespace graced::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class OrphanGrace : public ::testing::Test {
 protected:
  // The child starts a grandchild in its process group, then exits 0 at once.
  GracedOptions options(const std::string& grace, bool grandchild_ignores_term) {
    std::vector<std::string> args = {"spawn-grandchild", record, "--ready", ready};
    if (grandchild_ignores_term) args.push_back("--ignore-term");
    for (const char* a : {"--then", "exit", "0"})
      args.push_back(a);
    GracedOptions o{.config = "[process]\norphan_grace = \"" + grace + "\"\n"};
    o.args = {"--", kTestChild};
    o.args.insert(o.args.end(), args.begin(), args.end());
    return o;
  }
  // From graced's SIGTERM to the group (as the grandchild recorded it) to graced's exit.
  std::optional<milliseconds> sigterm_to_exit(const GracedProcess& graced) {
    for (const auto& r : read_signal_record(record)) {
      if (r.name == "SIGTERM" && graced.exited_at()) {
        return std::chrono::duration_cast<milliseconds>(*graced.exited_at() - r.at);
      }
    }
    return std::nullopt;
  }

  TempDir dir;
  std::string record = dir.file("grandchild-signals");
  std::string ready = dir.file("ready");
};

TEST_F(OrphanGrace, AGrandchildIgnoringSigtermIsKilledAfterTheGrace) {
  GracedProcess graced(options("500ms", true));
  EXPECT_EQ(graced.wait(seconds(10)), 0) << graced.stderr_text();
  auto grandchild = wait_for_ready(ready, milliseconds(0));
  ASSERT_TRUE(grandchild);
  EXPECT_TRUE(wait_until([&] { return !is_alive(*grandchild); }, seconds(2)))
      << "the grandchild survived graced";
  auto waited = sigterm_to_exit(graced);
  ASSERT_TRUE(waited) << "SIGKILL came without SIGTERM";
  // The grace was waited for, and the SIGKILL ended it: not much longer.
  EXPECT_GE(*waited, milliseconds(450));
  EXPECT_LT(*waited, milliseconds(1300)) << graced.stderr_text();
}

TEST_F(OrphanGrace, GracedExitsAsSoonAsTheGroupIsGone) {
  GracedProcess graced(options("5s", false));
  EXPECT_EQ(graced.wait(seconds(10)), 0) << graced.stderr_text();
  auto grandchild = wait_for_ready(ready, milliseconds(0));
  ASSERT_TRUE(grandchild);
  EXPECT_FALSE(is_alive(*grandchild));
  auto waited = sigterm_to_exit(graced);
  ASSERT_TRUE(waited) << "the grandchild got no SIGTERM";
  // Well before the 5 s grace: the grandchild died of the SIGTERM.
  EXPECT_LT(*waited, milliseconds(1500)) << graced.stderr_text();
}

}  // namespace
}  // namespace graced::test
