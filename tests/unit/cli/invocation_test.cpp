#include "cli/invocation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/section.hpp"

namespace graced::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Args = std::vector<std::string>;

Invocation parse_ok(const Args& args) {
  auto r = parse_invocation(args);
  if (auto* err = std::get_if<UsageError>(&r)) {
    ADD_FAILURE() << "usage error: " << err->message;
    return {};
  }
  return std::get<Invocation>(r);
}

std::string parse_error(const Args& args) {
  auto r = parse_invocation(args);
  if (std::holds_alternative<Invocation>(r)) {
    ADD_FAILURE() << "parsed without error";
    return {};
  }
  return std::get<UsageError>(r).message;
}

TEST(Invocation, NoArgumentsRuns) {
  Invocation inv = parse_ok({});
  EXPECT_EQ(inv.verb, Verb::run);
  EXPECT_FALSE(inv.config_path);
  EXPECT_TRUE(inv.overrides.empty());
  EXPECT_TRUE(inv.command.empty());
}

TEST(Invocation, Verbs) {
  EXPECT_EQ(parse_ok({"run"}).verb, Verb::run);
  EXPECT_EQ(parse_ok({"check-config"}).verb, Verb::check_config);
  EXPECT_EQ(parse_ok({"version"}).verb, Verb::version);
  EXPECT_EQ(parse_ok({"help"}).verb, Verb::help);
  EXPECT_EQ(parse_ok({"--version"}).verb, Verb::version);
}

TEST(Invocation, CommandAfterDoubleDashIsTakenVerbatim) {
  Invocation inv = parse_ok({"--", "app", "--help", "-c", "x", "--", "run"});
  EXPECT_EQ(inv.verb, Verb::run);
  EXPECT_EQ(inv.command, (Args{"app", "--help", "-c", "x", "--", "run"}));
  EXPECT_FALSE(inv.config_path);
  inv = parse_ok({"run", "-c", "f.toml", "--", "app"});
  EXPECT_EQ(inv.config_path, "f.toml");
  EXPECT_EQ(inv.command, Args{"app"});
  inv = parse_ok({"check-config", "--", "app", "arg"});
  EXPECT_EQ(inv.verb, Verb::check_config);
  EXPECT_EQ(inv.command, (Args{"app", "arg"}));
}

TEST(Invocation, DoubleDashWithoutCommandIsAnError) {
  EXPECT_EQ(parse_error({"--"}), "-- must be followed by a command to run");
  EXPECT_EQ(parse_error({"run", "-c", "f", "--"}), "-- must be followed by a command to run");
}

TEST(Invocation, ConfigFlagInEveryForm) {
  EXPECT_EQ(parse_ok({"-c", "a.toml"}).config_path, "a.toml");
  EXPECT_EQ(parse_ok({"--config", "b.toml"}).config_path, "b.toml");
  EXPECT_EQ(parse_ok({"--config=c.toml"}).config_path, "c.toml");
  EXPECT_EQ(parse_ok({"--config=x=y.toml"}).config_path, "x=y.toml");
  EXPECT_EQ(parse_ok({"check-config", "-c", "d.toml"}).config_path, "d.toml");
  // The last one wins, as with most tools.
  EXPECT_EQ(parse_ok({"-c", "a.toml", "--config=b.toml"}).config_path, "b.toml");
}

TEST(Invocation, ConfigFlagNeedsAFileName) {
  EXPECT_EQ(parse_error({"-c"}), "--config needs a file name");
  EXPECT_EQ(parse_error({"--config"}), "--config needs a file name");
  EXPECT_EQ(parse_error({"--config="}), "--config needs a file name");
  EXPECT_EQ(parse_error({"-c", ""}), "--config needs a file name");
}

TEST(Invocation, SetCollectsOverridesInOrder) {
  Invocation inv = parse_ok({"--set", "log.level=debug", "--set=process.orphan_grace=5s", "--set",
                             "process.command=[\"a\", \"b\"]"});
  EXPECT_EQ(inv.overrides,
            (Args{"log.level=debug", "process.orphan_grace=5s", "process.command=[\"a\", \"b\"]"}));
}

TEST(Invocation, SetNeedsAnAssignment) {
  const std::string expected = "--set needs KEY=VALUE, e.g. --set process.signal_group=true";
  EXPECT_EQ(parse_error({"--set"}), expected);
  EXPECT_EQ(parse_error({"--set", "log.level"}), expected);
  EXPECT_EQ(parse_error({"--set="}), expected);
}

TEST(Invocation, ShortcutsBecomeStringOverrides) {
  Invocation inv =
      parse_ok({"--log-level", "debug", "--log-format=json", "--workdir", "/srv", "--user", "1000",
                "--group=app", "--pdeathsig", "KILL", "--signal-group"});
  EXPECT_EQ(inv.overrides,
            (Args{"log.level=\"debug\"", "log.format=\"json\"", "process.workdir=\"/srv\"",
                  "process.user=\"1000\"", "process.group=\"app\"", "process.pdeathsig=\"KILL\"",
                  "process.signal_group=true"}));
}

TEST(Invocation, ShortcutNeedsAValue) {
  EXPECT_EQ(parse_error({"--user"}), "--user needs a value");
  EXPECT_EQ(parse_error({"--log-level"}), "--log-level needs a value");
}

TEST(Invocation, ShortcutValuesReachTheConfigurationUnchanged) {
  // Quotes, backslashes and control characters survive the trip through --set.
  const std::string workdir = "/srv/a \"b\" c\\d\te\nf";
  Invocation inv = parse_ok({"--workdir", workdir, "--user", "1000"});
  config::Document doc;
  config::Diagnostics diags;
  for (const auto& o : inv.overrides)
    ASSERT_TRUE(doc.set_override(o, diags));
  const config::SectionSpec process{"process", "", {{"workdir", "", "", ""}, {"user", "", "", ""}}};
  const config::SectionSpec root{"", "", {{"process", "", "", ""}}};
  config::Section s = doc.root(root, diags).table("process", process);
  EXPECT_EQ(s.string("workdir"), workdir);
  EXPECT_EQ(s.string("user"), "1000");
  EXPECT_TRUE(diags.all().empty());
}

TEST(Invocation, HelpPerVerb) {
  Invocation inv = parse_ok({"--help"});
  EXPECT_EQ(inv.verb, Verb::help);
  EXPECT_EQ(inv.help_topic, "run");
  EXPECT_EQ(parse_ok({"-h"}).help_topic, "run");
  EXPECT_EQ(parse_ok({"run", "-h"}).help_topic, "run");
  EXPECT_EQ(parse_ok({"check-config", "--help"}).help_topic, "check-config");
  EXPECT_EQ(parse_ok({"version", "-h"}).help_topic, "version");
  EXPECT_EQ(parse_ok({"help", "check-config"}).help_topic, "check-config");
  EXPECT_EQ(parse_ok({"help"}).help_topic, "");
  // Help wins over whatever error would follow it.
  EXPECT_EQ(parse_ok({"-c", "x", "--help", "--bogus"}).verb, Verb::help);
}

TEST(Invocation, HelpOnAnUnknownTopicIsAnError) {
  EXPECT_THAT(parse_error({"help", "bogus"}),
              ::testing::StartsWith("no help on \"bogus\" (verbs: run, check-config, version, "));
  EXPECT_EQ(parse_error({"help", "run", "extra"}), "unexpected argument \"extra\" after help");
}

TEST(Invocation, UnknownOptionIsAnError) {
  EXPECT_EQ(parse_error({"--bogus"}), "unknown option --bogus");
  EXPECT_EQ(parse_error({"-x"}), "unknown option -x");
  EXPECT_EQ(parse_error({"--settings=1"}), "unknown option --settings=1");
  EXPECT_EQ(parse_error({"--signal-group=true"}), "unknown option --signal-group=true");
  EXPECT_EQ(parse_error({"check-config", "--user-name", "x"}), "unknown option --user-name");
}

TEST(Invocation, PositionalArgumentSuggestsDoubleDash) {
  EXPECT_EQ(parse_error({"myapp"}),
            "unexpected argument \"myapp\"; to run a program, put it after --: graced -- myapp");
  EXPECT_EQ(parse_error({"--log-level", "debug", "myapp", "--port", "8080"}),
            "unexpected argument \"myapp\"; to run a program, put it after --: graced "
            "--log-level debug -- myapp --port 8080");
}

TEST(Invocation, VerbAfterAnOptionSaysVerbsComeFirst) {
  EXPECT_EQ(parse_error({"-c", "x.toml", "check-config"}),
            "\"check-config\" must come first, before any option: graced check-config [options]");
}

TEST(Usage, DescribesEachVerb) {
  EXPECT_THAT(usage(), HasSubstr("Usage: graced [run]"));
  EXPECT_EQ(usage("run"), usage());
  EXPECT_THAT(usage("check-config"), HasSubstr("Usage: graced check-config"));
  EXPECT_THAT(usage("check-config"), HasSubstr("redacted"));
  EXPECT_THAT(usage("version"), HasSubstr("Usage: graced version"));
  // Every shortcut flag is documented.
  for (const char* flag : {"--log-level", "--log-format", "--workdir", "--user", "--group",
                           "--signal-group", "--pdeathsig", "--set", "--config", "--version"}) {
    EXPECT_THAT(usage(), HasSubstr(flag));
  }
}

}  // namespace
}  // namespace graced::cli
