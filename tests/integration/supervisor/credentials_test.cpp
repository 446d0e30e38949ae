// process.user and process.group: the child runs with that identity and that user's
// groups, as `id` reports them.
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "harness/graced_process.hpp"
#include "harness/paths.hpp"

namespace graced::test {
namespace {

std::string command_output(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, p))
    out += buf;
  pclose(p);
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  return out;
}

// "uid=65534 euid=65534 gid=65534 egid=65534 groups=65534" with the groups sorted.
std::string normalized_ids(const std::string& print_ids_output) {
  std::string line = print_ids_output.substr(0, print_ids_output.find('\n'));
  auto at = line.find("groups=");
  if (at == std::string::npos) return line;
  std::vector<long> groups;
  std::istringstream list(line.substr(at + 7));
  std::string g;
  while (std::getline(list, g, ','))
    groups.push_back(std::stol(g));
  std::sort(groups.begin(), groups.end());
  std::string out = line.substr(0, at + 7);
  for (size_t i = 0; i < groups.size(); ++i)
    out += (i ? "," : "") + std::to_string(groups[i]);
  return out;
}

std::string expected_ids(const std::string& uid, const std::string& gid,
                         const std::string& groups_spaced) {
  std::string groups = groups_spaced;
  std::replace(groups.begin(), groups.end(), ' ', ',');
  return normalized_ids("uid=" + uid + " euid=" + uid + " gid=" + gid + " egid=" + gid +
                        " groups=" + groups);
}

class Credentials : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to run the child as another user";
    if (!getpwnam("nobody") || !getgrnam("nogroup"))
      GTEST_SKIP() << "needs user nobody and group nogroup";
  }
};

TEST_F(Credentials, ChildRunsAsTheUserWithItsGroups) {
  auto r = run_graced(
      {.args = run_test_child({"print-ids"}), .config = "[process]\nuser = \"nobody\"\n"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(normalized_ids(r.out),
            expected_ids(command_output("id -u nobody"), command_output("id -g nobody"),
                         command_output("id -G nobody")));
}

TEST_F(Credentials, ChildRunsAsTheUserAndGroup) {
  auto r = run_graced({.args = run_test_child({"print-ids"}),
                       .config = "[process]\nuser = \"nobody\"\ngroup = \"nogroup\"\n"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string gid = std::to_string(getgrnam("nogroup")->gr_gid);
  EXPECT_EQ(normalized_ids(r.out),
            expected_ids(command_output("id -u nobody"), gid, command_output("id -G nobody")));
}

}  // namespace
}  // namespace graced::test
