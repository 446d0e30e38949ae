// libpq is loaded only when a query-mode postgres check is configured
// (probes/postgres/libpq_library.hpp): the real binary's memory map shows it absent
// otherwise, and where libpq cannot be loaded query mode is a configuration error naming
// the file, line and key, while the default mode goes on working.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <link.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"

namespace graced {
namespace {

using namespace std::chrono_literals;
using test::GracedProcess;
using ::testing::HasSubstr;
using ::testing::Not;

// Port 1 on loopback: nothing listens, so the check fails fast and never matters here.
const std::string kDefaultMode =
    "[[checks]]\nname = \"db\"\ntype = \"postgres\"\nurl = \"postgresql://u@127.0.0.1:1/d\"\n";
const std::string kQueryMode = kDefaultMode + "query = \"SELECT 1\"\n";

// The file the dynamic loader finds for libpq.so.5, as this test process loads it.
std::string libpq_file() {
  void* handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return "";
  link_map* map = nullptr;
  std::string path;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr)
    path = std::filesystem::canonical(map->l_name);
  dlclose(handle);
  return path;
}

// graced's /proc/PID/maps once it has read its configuration and started the child.
std::string maps_of_running_graced(const std::string& config) {
  GracedProcess graced({.args = {"--", "sleep", "1000"}, .config = config});
  EXPECT_TRUE(graced.wait_for_log("child started", 10s)) << graced.stderr_text();
  return test::read_file("/proc/" + std::to_string(graced.graced_pid()) + "/maps").value_or("");
}

TEST(PostgresLibpqLoading, TheDefaultModeNeverLoadsLibpq) {
  const std::string maps = maps_of_running_graced(kDefaultMode);
  ASSERT_THAT(maps, HasSubstr("libuv"));  // the map was read
  EXPECT_THAT(maps, Not(HasSubstr("libpq")));
  EXPECT_THAT(maps, Not(HasSubstr("libgssapi")));
}

TEST(PostgresLibpqLoading, QueryModeLoadsLibpqWhenTheConfigurationIsRead) {
  EXPECT_THAT(maps_of_running_graced(kQueryMode), HasSubstr("libpq.so.5"));
}

// libpq replaced by an empty file in a mount namespace of graced's own, as in an image
// without the libpq5 package.
test::RunResult check_config_without_libpq(const std::string& config) {
  const std::string libpq = libpq_file();
  EXPECT_FALSE(libpq.empty()) << "libpq5 is installed by scripts/install-deps";
  return test::run_graced(
      {.args = {"check-config"},
       .config = config,
       .launcher = {"unshare", "--mount", "sh", "-c",
                    "mount --bind /dev/null " + libpq + " && exec \"$@\"", "sh"}});
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
