// libpq is loaded only when a query-mode postgres check is configured
// (probes/postgres/libpq_library.hpp): the real binary's memory map shows it absent
// otherwise, and where libpq cannot be loaded query mode is a configuration error naming
// the file, line and key, while the default mode goes on working.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/graced_process.hpp"
#include "harness/shared_libraries.hpp"

namespace graced {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Port 1 on loopback: nothing listens, so the check fails fast and never matters here.
const std::string kDefaultMode =
    "[[checks]]\nname = \"db\"\ntype = \"postgres\"\nurl = \"postgresql://u@127.0.0.1:1/d\"\n";
const std::string kQueryMode = kDefaultMode + "query = \"SELECT 1\"\n";

TEST(PostgresLibpqLoading, TheDefaultModeNeverLoadsLibpq) {
  const std::string maps = test::maps_of_running_graced(kDefaultMode);
  ASSERT_THAT(maps, HasSubstr("libc.so"));  // the map was read
  EXPECT_THAT(maps, Not(HasSubstr("libpq")));
  EXPECT_THAT(maps, Not(HasSubstr("libgssapi")));
}

TEST(PostgresLibpqLoading, QueryModeLoadsLibpqWhenTheConfigurationIsRead) {
  EXPECT_THAT(test::maps_of_running_graced(kQueryMode), HasSubstr("libpq.so.5"));
}

// libpq replaced by an empty file in a mount namespace of graced's own, as in an image
// without the libpq5 package.
test::RunResult check_config_without_libpq(const std::string& config) {
  const std::string libpq = test::shared_library_file("libpq.so.5");
  EXPECT_FALSE(libpq.empty()) << "libpq5 is installed by scripts/install-deps";
  return test::run_graced(
      {.args = {"check-config"}, .config = config, .launcher = test::launcher_without_file(libpq)});
}

TEST(PostgresLibpqLoading, WithoutLibpqQueryModeIsAConfigurationErrorAtItsLine) {
  const auto r = check_config_without_libpq(kQueryMode);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(":5: checks[0].query: needs libpq, which cannot be loaded ("));
  EXPECT_THAT(r.err, HasSubstr("install the libpq5 package"));
}

TEST(PostgresLibpqLoading, WithoutLibpqTheDefaultModeIsAccepted) {
  const auto r = check_config_without_libpq(kDefaultMode);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace graced
