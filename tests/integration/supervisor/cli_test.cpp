// The command line as a user meets it: help, version, check-config, usage errors.
#include <gtest/gtest.h>

#include <regex>

#include "harness/graced_process.hpp"

namespace graced::test {
namespace {

TEST(Cli, HelpPrintsUsageAndExits0) {
  auto r = run_graced({.args = {"--help"}});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Usage: graced"), std::string::npos) << r.out;
}

TEST(Cli, VersionPrintsTheVersion) {
  for (const char* verb : {"version", "--version"}) {
    auto r = run_graced({.args = {verb}});
    EXPECT_EQ(r.exit_code, 0) << verb;
    EXPECT_TRUE(std::regex_match(r.out, std::regex("graced [0-9]+\\.[0-9]+\\.[0-9]+.*\n")))
        << verb << ": " << r.out;
  }
}

TEST(Cli, UnknownOptionExits2WithAMessage) {
  auto r = run_graced({.args = {"--no-such-option"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown option --no-such-option"), std::string::npos) << r.err;
}

TEST(Cli, CheckConfigPrintsTheEffectiveConfigWithSecretsRedacted) {
  auto r = run_graced({.args = {"check-config"},
                       .config = "[process]\n"
                                 "command = [\"/bin/true\"]\n"
                                 "env = { DB_PASSWORD = \"hunter2\", MODE = \"fast\" }\n"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("DB_PASSWORD"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fast"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/bin/true"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("hunter2"), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace graced::test
