// load_config: where the configuration comes from, how the command line overrides it,
// the [process] and [signals] validation, and what check-config prints.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "config/section.hpp"
#include "daemon_config.hpp"

namespace graced {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

// Sets an environment variable for one test and puts back what was there before.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    set(value);
  }
  ~ScopedEnv() { set(old_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  void set(const std::optional<std::string>& v) {
    if (v) {
      setenv(name_.c_str(), v->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  std::string name_;
  std::optional<std::string> old_;
};

class LoadConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/graced-config-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  static std::vector<std::string> errors(const LoadedConfig& l) {
    std::vector<std::string> out;
    for (const auto& d : l.diagnostics.errors())
      out.push_back(d.str());
    return out;
  }

  static LoadedConfig load(const std::string& path, std::vector<std::string> overrides = {},
                           std::vector<std::string> command = {}) {
    ConfigRequest r;
    r.path = path;
    r.overrides = std::move(overrides);
    r.command = std::move(command);
    return load_config(r);
  }

  std::string dir_;
  ScopedEnv no_env_config_{"GRACED_CONFIG", std::nullopt};
};

TEST_F(LoadConfig, ReadsTheFileGivenWithConfig) {
  const std::string path = write("a.toml", R"([process]
command = ["app", "--port", "80"]
workdir = "/srv"
signal_group = true
pdeathsig = "KILL"
orphan_grace = "500ms"
[log]
level = "debug"
format = "json"
)");
  LoadedConfig l = load(path);
  EXPECT_THAT(errors(l), ElementsAre());
  EXPECT_EQ(l.config.source, path);
  EXPECT_EQ(l.config.process.command, (std::vector<std::string>{"app", "--port", "80"}));
  EXPECT_EQ(l.config.process.workdir, "/srv");
  EXPECT_TRUE(l.config.process.signal_group);
  EXPECT_EQ(l.config.process.pdeathsig, SIGKILL);
  EXPECT_EQ(l.config.process.orphan_grace, std::chrono::milliseconds(500));
  EXPECT_EQ(l.config.log.level, log::Level::debug);
  EXPECT_EQ(l.config.log.format, log::Format::json);
}

TEST_F(LoadConfig, GracedConfigVariableNamesTheFile) {
  const std::string path = write("env.toml", "[process]\ncommand = [\"from-env\"]\n");
  ScopedEnv env("GRACED_CONFIG", path);
  LoadedConfig l = load_config(ConfigRequest{});
  EXPECT_THAT(errors(l), ElementsAre());
  EXPECT_EQ(l.config.source, path);
  EXPECT_EQ(l.config.process.command, std::vector<std::string>{"from-env"});
}

TEST_F(LoadConfig, ConfigFlagWinsOverTheVariable) {
  const std::string from_env = write("env.toml", "[process]\ncommand = [\"from-env\"]\n");
  const std::string from_flag = write("flag.toml", "[process]\ncommand = [\"from-flag\"]\n");
  ScopedEnv env("GRACED_CONFIG", from_env);
  LoadedConfig l = load(from_flag);
  EXPECT_EQ(l.config.source, from_flag);
  EXPECT_EQ(l.config.process.command, std::vector<std::string>{"from-flag"});
}

TEST_F(LoadConfig, EmptyVariableOrNoFileMeansBuiltInDefaults) {
  if (access(kDefaultConfigPath, F_OK) == 0) GTEST_SKIP() << kDefaultConfigPath << " exists here";
  ScopedEnv env("GRACED_CONFIG", "");
  ConfigRequest r;
  r.command = {"app"};
  LoadedConfig l = load_config(r);
  EXPECT_THAT(errors(l), ElementsAre());
  EXPECT_EQ(l.config.source, "defaults");
  EXPECT_EQ(l.config.log.level, log::Level::info);
  EXPECT_EQ(l.config.process.orphan_grace, std::chrono::seconds(2));
  EXPECT_FALSE(l.config.process.signal_group);
}

TEST_F(LoadConfig, MissingFileIsAnErrorNamingIt) {
  const std::string path = dir_ + "/absent.toml";
  LoadedConfig l = load(path);
  EXPECT_THAT(errors(l), ElementsAre(path + ": cannot read the file: No such file or directory"));
}

TEST_F(LoadConfig, DirectoryIsNotAConfigurationFile) {
  // Reading a directory must not pass for an empty file, i.e. silently use defaults.
  EXPECT_THAT(errors(load(dir_)), ElementsAre(dir_ + ": is a directory, not a configuration file"));
}

TEST_F(LoadConfig, MissingFileFromTheVariableIsAnErrorToo) {
  const std::string path = dir_ + "/absent.toml";
  ScopedEnv env("GRACED_CONFIG", path);
  LoadedConfig l = load_config(ConfigRequest{});
  EXPECT_THAT(errors(l), ElementsAre(HasSubstr(path + ": cannot read the file")));
}

TEST_F(LoadConfig, SyntaxErrorIsReportedWithItsLine) {
  LoadedConfig l = load(write("bad.toml", "[process]\ncommand = [\"a\"\n"));
  ASSERT_EQ(l.diagnostics.errors().size(), 1u);
  EXPECT_THAT(l.diagnostics.errors()[0].str(), testing::StartsWith(dir_ + "/bad.toml:"));
}

TEST_F(LoadConfig, MissingCommandIsAnError) {
  LoadedConfig l = load(write("a.toml", "[log]\nlevel = \"info\"\n"));
  ASSERT_EQ(l.diagnostics.errors().size(), 1u);
  const config::Diagnostic d = l.diagnostics.errors()[0];
  EXPECT_EQ(d.key, "process.command");
  EXPECT_THAT(d.message, HasSubstr("no command to run"));
  EXPECT_THAT(d.message, HasSubstr("graced -- "));
}

TEST_F(LoadConfig, CommandIsNotRequiredWhenTheCallerSaysSo) {
  ConfigRequest r;
  r.path = write("a.toml", "");
  r.require_command = false;
  EXPECT_THAT(errors(load_config(r)), ElementsAre());
}

TEST_F(LoadConfig, EmptyCommandArrayIsAnError) {
  LoadedConfig l = load(write("a.toml", "[process]\ncommand = []\n"));
  EXPECT_THAT(errors(l), testing::Contains(HasSubstr(":2: process.command: must not be empty")));
}

TEST_F(LoadConfig, CommandAfterDoubleDashOverridesTheFile) {
  LoadedConfig l =
      load(write("a.toml", "[process]\ncommand = [\"from-file\"]\n"), {}, {"from-cli", "--flag"});
  EXPECT_THAT(errors(l), ElementsAre());
  EXPECT_EQ(l.config.process.command, (std::vector<std::string>{"from-cli", "--flag"}));
}

TEST_F(LoadConfig, SetOverridesTheFile) {
  LoadedConfig l =
      load(write("a.toml", "[process]\ncommand = [\"a\"]\n[log]\nlevel = \"debug\"\n"),
           {"log.level=error", "process.signal_group=true", "process.orphan_grace=9s"});
  EXPECT_THAT(errors(l), ElementsAre());
  EXPECT_EQ(l.config.log.level, log::Level::error);
  EXPECT_TRUE(l.config.process.signal_group);
  EXPECT_EQ(l.config.process.orphan_grace, std::chrono::seconds(9));
}

TEST_F(LoadConfig, SetErrorsNameTheFlag) {
  LoadedConfig l = load(write("a.toml", "[process]\ncommand = [\"a\"]\n"),
                        {"log.level=loud", "process.orphan_grace=5", "nonsense"});
  EXPECT_THAT(errors(l),
              ElementsAre(HasSubstr("--set: \"nonsense\" is not KEY=VALUE"),
                          "--set: log.level: \"loud\" is not a log level (use debug, info, warn, "
                          "error, off)",
                          "--set: process.orphan_grace: expected a duration string such as "
                          "\"5s\", got an integer"));
}

TEST_F(LoadConfig, EnvironmentVariablesAreExpanded) {
  ScopedEnv dir("GRACED_UNIT_WORKDIR", "/var/lib/app");
  ScopedEnv unset("GRACED_UNIT_UNSET", std::nullopt);
  LoadedConfig l = load(write("a.toml", R"([process]
command = ["app", "--data=${GRACED_UNIT_WORKDIR}/data", "cost: $$5"]
workdir = "${GRACED_UNIT_WORKDIR}"
user = "${GRACED_UNIT_UNSET:-root}"
)"));
  EXPECT_THAT(errors(l), ElementsAre());
  EXPECT_EQ(l.config.process.command,
            (std::vector<std::string>{"app", "--data=/var/lib/app/data", "cost: $5"}));
  EXPECT_EQ(l.config.process.workdir, "/var/lib/app");
  EXPECT_EQ(l.config.process.user, "root");
}

TEST_F(LoadConfig, UnsetVariableIsAnErrorNamingIt) {
  ScopedEnv unset("GRACED_UNIT_UNSET", std::nullopt);
  const std::string path =
      write("a.toml", "[process]\ncommand = [\"a\"]\nworkdir = \"${GRACED_UNIT_UNSET}\"\n");
  EXPECT_THAT(errors(load(path)),
              ElementsAre(path + ":3: process.workdir: environment variable GRACED_UNIT_UNSET is "
                                 "not set (use ${GRACED_UNIT_UNSET:-default} for a default)"));
}

TEST_F(LoadConfig, UnknownKeysAreErrorsInSectionsAndAtTheTop) {
  const std::string path = write("a.toml", R"([process]
command = ["a"]
comand = ["b"]
[proces]
x = 1
)");
  EXPECT_THAT(errors(load(path)),
              ElementsAre(path + ":3: process.comand: unknown key (did you mean \"command\"?)",
                          path + ":4: proces: unknown key (did you mean \"process\"?)"));
}

TEST_F(LoadConfig, EveryErrorIsReportedAtOnce) {
  const std::string path = write("a.toml", R"([log]
level = "verbose"
format = "xml"
[process]
command = ["a"]
orphan_grace = "2 s"
pdeathsig = "SIGFOO"
signal_group = "yes"
)");
  EXPECT_THAT(
      errors(load(path)),
      ElementsAre(
          path + ":3: log.format: \"xml\" is not a log format (use \"text\" or \"json\")",
          path +
              ":2: log.level: \"verbose\" is not a log level (use debug, info, warn, error, off)",
          path + ":8: process.signal_group: expected true or false, got a string",
          path + ":7: process.pdeathsig: \"SIGFOO\" is not a signal (use e.g. \"SIGTERM\", "
                 "\"TERM\" or 15)",
          path + ":6: process.orphan_grace: \"2 s\" is not a duration (use e.g. \"5s\", "
                 "\"250ms\", \"1m30s\")"));
}

TEST_F(LoadConfig, ExitCodeMapAcceptsStatusesAndRejectsTheRest) {
  LoadedConfig ok = load(write("ok.toml",
                               "[process]\ncommand = [\"a\"]\n"
                               "exit_code_map = { \"143\" = 0, 1 = 255 }\n"));
  EXPECT_THAT(errors(ok), ElementsAre());
  EXPECT_THAT(ok.config.process.exit_code_map, ElementsAre(Pair(1, 255), Pair(143, 0)));

  const std::string path =
      write("bad.toml",
            "[process]\ncommand = [\"a\"]\nexit_code_map = { abc = 0, \"143\" = 300, \"256\" = 1, "
            "\"-1\" = 0, \"0143\" = 0, \"2\" = \"x\" }\n");
  LoadedConfig bad = load(path);
  EXPECT_THAT(errors(bad),
              ElementsAre(path + ":3: process.exit_code_map.2: expected an integer, got a string"));
  const std::string path2 =
      write("bad2.toml",
            "[process]\ncommand = [\"a\"]\nexit_code_map = { abc = 0, \"143\" = 300, "
            "\"256\" = 1, \"-1\" = 0, \"1000\" = 0 }\n");
  EXPECT_THAT(
      errors(load(path2)),
      ElementsAre(path2 + ":3: process.exit_code_map: \"-1\" is not an exit status (0 to 255)",
                  path2 + ":3: process.exit_code_map: \"1000\" is not an exit status (0 to 255)",
                  path2 +
                      ":3: process.exit_code_map: \"143\" maps to 300, which is not an exit status "
                      "(0 to 255)",
                  path2 + ":3: process.exit_code_map: \"256\" is not an exit status (0 to 255)",
                  path2 + ":3: process.exit_code_map: \"abc\" is not an exit status (0 to 255)"));
}

TEST_F(LoadConfig, SignalRewriteTakesNamesAndNumbers) {
  LoadedConfig l = load(write("a.toml", R"([process]
command = ["a"]
[signals]
rewrite = { SIGHUP = "SIGUSR1", TERM = 2, "10" = "QUIT", INT = "SIGRTMIN+1" }
)"));
  EXPECT_THAT(errors(l), ElementsAre());
  EXPECT_THAT(l.config.signals.rewrite,
              ElementsAre(Pair(SIGHUP, SIGUSR1), Pair(SIGINT, SIGRTMIN + 1), Pair(10, SIGQUIT),
                          Pair(SIGTERM, SIGINT)));
}

TEST_F(LoadConfig, SignalRewriteErrorsNameTheEntry) {
  const std::string path = write("a.toml", R"([process]
command = ["a"]
[signals.rewrite]
SIGHUP = "SIGUSR1"
SIGFOO = "TERM"
USR1 = "BAR"
)");
  EXPECT_THAT(errors(load(path)),
              ElementsAre(path + ":5: signals.rewrite.SIGFOO: \"SIGFOO\" is not a signal (use e.g. "
                                 "\"SIGHUP\", \"HUP\" or 1)",
                          path + ":6: signals.rewrite.USR1: \"BAR\" is not a signal (use e.g. "
                                 "\"SIGTERM\", \"TERM\" or 15)"));
}

TEST_F(LoadConfig, SignalRewrittenTwiceIsAnError) {
  const std::string path = write("a.toml", R"([process]
command = ["a"]
[signals.rewrite]
SIGHUP = "SIGUSR1"
HUP = "SIGUSR2"
)");
  EXPECT_THAT(errors(load(path)),
              ElementsAre(path + ":3: signals.rewrite: SIGHUP is rewritten more than once"));
}

TEST_F(LoadConfig, UserAndGroupMustExist) {
  LoadedConfig ok = load(write("ok.toml",
                               "[process]\ncommand = [\"a\"]\nuser = \"root\"\n"
                               "group = \"nogroup\"\n"));
  EXPECT_THAT(errors(ok), ElementsAre());
  LoadedConfig ids = load(write("ids.toml",
                                "[process]\ncommand = [\"a\"]\nuser = \"65534\"\n"
                                "group = \"4294967294\"\n"));
  EXPECT_THAT(errors(ids), ElementsAre());
  // A numeric id may be written as a TOML integer too, as --set writes it.
  LoadedConfig ints =
      load(write("ints.toml", "[process]\ncommand = [\"a\"]\nuser = 65534\n"), {"process.group=0"});
  EXPECT_THAT(errors(ints), ElementsAre());
  EXPECT_EQ(ints.config.process.user, "65534");
  EXPECT_EQ(ints.config.process.group, "0");

  const std::string path = write("bad.toml", R"([process]
command = ["a"]
user = "graced-no-such-user"
group = "graced-no-such-group"
)");
  EXPECT_THAT(errors(load(path)),
              ElementsAre(path + ":3: process.user: no such user: \"graced-no-such-user\"",
                          path + ":4: process.group: no such group: \"graced-no-such-group\""));
  const std::string path2 =
      write("bad2.toml", "[process]\ncommand = [\"a\"]\nuser = -1\ngroup = true\n");
  EXPECT_THAT(
      errors(load(path2)),
      ElementsAre(path2 + ":3: process.user: \"-1\" is not a valid user id (0 to 4294967294)",
                  path2 + ":4: process.group: expected a name or a numeric id, got a "
                          "boolean"));
}

TEST_F(LoadConfig, NumericIdsThatDoNotFitAreRejected) {
  // 4294967296 would wrap to uid 0; 4294967295 is (uid_t)-1, "unchanged".
  const std::string path = write("bad.toml", R"([process]
command = ["a"]
user = "4294967296"
group = "4294967295"
)");
  EXPECT_THAT(
      errors(load(path)),
      ElementsAre(
          path + ":3: process.user: \"4294967296\" is not a valid user id (0 to 4294967294)",
          path + ":4: process.group: \"4294967295\" is not a valid group id (0 to "
                 "4294967294)"));
  EXPECT_THAT(errors(load(path, {"process.user=99999999999999999999999", "process.group=0"})),
              ElementsAre(HasSubstr("--set: process.user: \"99999999999999999999999\" is not a "
                                    "valid user id")));
}

TEST_F(LoadConfig, EffectiveConfigRedactsSecretsAndNeverShowsThem) {
  ScopedEnv pw("GRACED_UNIT_DB_PASSWORD", "hunter2-from-env");
  LoadedConfig l = load(write("a.toml", R"([process]
command = ["app", "--db-password", "cli-secret-1", "--token=cli-secret-2"]
[process.env]
DB_PASSWORD = "${GRACED_UNIT_DB_PASSWORD}"
API_KEY = "key-secret-3"
DATABASE_URL = "postgres://app:url-secret-4@db:5432/app"
REDIS_URL = "redis://:url-secret-5@cache:6379/0"
PG_DSN = "host=db password=dsn-secret-6 dbname=app"
WEBHOOK = "https://hooks.example/x?token=query-secret-7&v=1"
LANG = "C.UTF-8"
)"));
  ASSERT_THAT(errors(l), ElementsAre());
  // The raw values are kept for the child...
  EXPECT_THAT(l.config.process.env, testing::Contains(Pair("DB_PASSWORD", "hunter2-from-env")));
  const std::string out = effective_config_toml(l.config);
  // ...and never printed.
  for (const char* secret : {"hunter2", "cli-secret-1", "cli-secret-2", "key-secret-3",
                             "url-secret-4", "url-secret-5", "dsn-secret-6", "query-secret-7"}) {
    EXPECT_THAT(out, Not(HasSubstr(secret))) << out;
  }
  EXPECT_THAT(
      out,
      AllOf(HasSubstr("DB_PASSWORD = '<redacted>'"), HasSubstr("API_KEY = '<redacted>'"),
            HasSubstr("postgres://app:<redacted>@db:5432/app"),
            HasSubstr("redis://:<redacted>@cache:6379/0"),
            HasSubstr("host=db password=<redacted> dbname=app"), HasSubstr("?token=<redacted>&v=1"),
            HasSubstr("LANG = 'C.UTF-8'"), HasSubstr("'--db-password', '<redacted>'")));
}

TEST_F(LoadConfig, EffectiveConfigReadsBackAsTheSameConfig) {
  LoadedConfig first = load(write("a.toml", R"([log]
level = "warn"
format = "json"
[process]
command = ["app", "a b", "it's \"quoted\""]
workdir = "/srv"
user = "nobody"
group = "nogroup"
signal_group = true
pdeathsig = 32
orphan_grace = "1m30s"
exit_code_map = { "143" = 0 }
env = { LANG = "C" }
[signals]
rewrite = { HUP = "USR1", "SIGRTMIN+2" = 15 }
)"));
  ASSERT_THAT(errors(first), ElementsAre());
  const std::string out = effective_config_toml(first.config);
  EXPECT_THAT(out, HasSubstr("pdeathsig = 'SIG32'"));
  EXPECT_THAT(out, HasSubstr("orphan_grace = '1m30s'"));
  LoadedConfig second = load(write("effective.toml", out));
  ASSERT_THAT(errors(second), ElementsAre()) << out;
  EXPECT_EQ(effective_config_toml(second.config), out);
  EXPECT_EQ(second.config.process.command, first.config.process.command);
  EXPECT_EQ(second.config.process.pdeathsig, 32);
  EXPECT_EQ(second.config.signals.rewrite, first.config.signals.rewrite);
}

// Settings that contradict each other across sections still name the line of the key.
TEST_F(LoadConfig, ContradictionsAcrossSectionsNameTheLineOfTheKey) {
  const std::string path = write("x.toml",
                                 "[process]\ncommand = [\"true\"]\n"    // 1-2
                                 "[shutdown]\ndrain_delay = \"20s\"\n"  // 3-4
                                 "grace_period = \"10s\"\n"             // 5
                                 "drain_until_idle = true\n"            // 6
                                 "prestop_path = \"/metrics\"\n"        // 7
                                 "[startup]\nwait_for = [\"db\"]\n");   // 8-9
  EXPECT_THAT(
      errors(load(path)),
      ElementsAre(
          path + ":9: startup.wait_for: \"db\" is not the name of a check",
          path + ":6: shutdown.drain_until_idle: needs process.ports, the ports to watch for new "
                 "connections",
          path + ":5: shutdown.grace_period: 10s leaves no time to stop the service after "
                 "drain_delay (20s) and the pre-stop hooks' timeouts (0s)",
          path + ":7: shutdown.prestop_path: \"/metrics\" is also metrics.path"));
}

}  // namespace
}  // namespace graced
