// Section and Document through load_string: typed reads, and every kind of problem as a
// diagnostic naming the file, the line and the key. The specs here are the test's own
// (not registered in the Schema), so the real configuration is untouched.
#include "config/section.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <map>
#include <string>
#include <vector>

namespace graced::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const SectionSpec kServerSpec{
    "server",
    "A test section with one key of every kind.",
    {
        {"host", "string", "", ""},
        {"port", "integer", "", ""},
        {"enabled", "bool", "", ""},
        {"timeout", "duration", "", ""},
        {"stop_signal", "signal", "", ""},
        {"args", "array of strings", "", ""},
        {"codes", "array of integers", "", ""},
        {"env", "table of strings", "", ""},
        {"limits", "table of integers", "", ""},
        {"rewrite", "table of signals", "", ""},
        {"command", "string or array of strings", "", ""},
        {"tls", "table", "", ""},
    },
};

const SectionSpec kTlsSpec{"server.tls", "", {{"cert", "string", "", ""}}};

const SectionSpec kItemSpec{
    "items",
    "",
    {{"name", "string", "", ""}, {"timeout", "duration", "", ""}},
};

const SectionSpec kItemExtraSpec{"items.extra", "", {{"weight", "integer", "", ""}}};

const SectionSpec kRootSpec{
    "",
    "",
    {{"server", "table", "", ""}, {"items", "array", "", ""}, {"title", "string", "", ""}},
};

// A document parsed from a string, with a fixed environment.
class SectionTest : public ::testing::Test {
 protected:
  Document doc;
  Diagnostics diags;
  std::map<std::string, std::string> env{{"HOST", "db.internal"}, {"SECRET", "s3"}};

  void SetUp() override {
    doc.set_env([this](const std::string& name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    });
  }

  Section load(std::string_view toml) {
    EXPECT_TRUE(doc.load_string(toml, "graced.toml", diags))
        << ::testing::PrintToString(messages());
    return doc.root(kRootSpec, diags);
  }

  Section server(std::string_view toml) {
    Section root = load(toml);
    return root.table("server", kServerSpec);
  }

  std::vector<std::string> messages() const {
    std::vector<std::string> out;
    for (const auto& d : diags.all())
      out.push_back(d.str());
    return out;
  }
};

TEST_F(SectionTest, ReadsEveryType) {
  Section s = server(R"([server]
host = "${HOST}:5432"
port = 8080
enabled = true
timeout = "1m30s"
stop_signal = "SIGQUIT"
args = ["--a", "${HOST}"]
codes = [1, 2, 3]
env = { A = "1", B = "${SECRET}" }
limits = { files = 1024 }
rewrite = { SIGHUP = "SIGUSR1", INT = 15 }
command = "serve"
)");
  EXPECT_TRUE(s.present());
  EXPECT_EQ(s.path(), "server");
  EXPECT_EQ(s.string("host"), "db.internal:5432");
  EXPECT_EQ(s.integer("port", 1, 65535), 8080);
  EXPECT_EQ(s.boolean("enabled"), true);
  EXPECT_EQ(s.duration("timeout"), std::chrono::seconds(90));
  EXPECT_EQ(s.signal("stop_signal"), SIGQUIT);
  EXPECT_EQ(s.string_list("args"), (std::vector<std::string>{"--a", "db.internal"}));
  EXPECT_EQ(s.integer_list("codes", 0, 255), (std::vector<std::int64_t>{1, 2, 3}));
  auto e = s.string_table("env");
  ASSERT_TRUE(e);
  EXPECT_THAT(*e, ElementsAre(Pair("A", "1"), Pair("B", "s3")));
  auto l = s.integer_table("limits");
  ASSERT_TRUE(l);
  EXPECT_THAT(*l, ElementsAre(Pair("files", 1024)));
  auto r = s.signal_table("rewrite");
  ASSERT_TRUE(r);
  EXPECT_THAT(*r, ElementsAre(Pair(SIGINT, SIGTERM), Pair(SIGHUP, SIGUSR1)));
  EXPECT_EQ(s.string_or_list("command"), (std::vector<std::string>{"serve"}));
  s.check_unknown_keys();
  EXPECT_TRUE(diags.all().empty()) << ::testing::PrintToString(messages());
}

TEST_F(SectionTest, AbsentKeysAndTablesGiveNothingAndNoError) {
  Section root = load("title = \"x\"\n");
  Section s = root.table("server", kServerSpec);
  EXPECT_FALSE(s.present());
  EXPECT_FALSE(s.has("host"));
  EXPECT_EQ(s.string("host"), std::nullopt);
  EXPECT_EQ(s.integer("port", 0, 1), std::nullopt);
  EXPECT_EQ(s.duration("timeout"), std::nullopt);
  EXPECT_EQ(s.string_or_list("command"), std::nullopt);
  EXPECT_TRUE(root.table_array("items", kItemSpec).empty());
  s.check_unknown_keys();
  root.check_unknown_keys();
  EXPECT_TRUE(diags.all().empty()) << ::testing::PrintToString(messages());
}

TEST_F(SectionTest, DurationErrorNamesFileLineAndKey) {
  Section s = server(R"(title = "x"

[server]
host = "h"
timeout = "5 sec"
)");
  EXPECT_EQ(s.duration("timeout"), std::nullopt);
  EXPECT_THAT(messages(), ElementsAre("graced.toml:5: server.timeout: \"5 sec\" is not a duration "
                                      "(use e.g. \"5s\", \"250ms\", \"1m30s\")"));
  EXPECT_TRUE(diags.has_errors());
}

TEST_F(SectionTest, WrongTypesAreReportedWithWhatWasFound) {
  Section s = server(R"([server]
host = 5
port = "80"
enabled = "yes"
timeout = 5
stop_signal = true
args = "one"
codes = 7
env = ["A=1"]
limits = 3
rewrite = "HUP"
command = 1.5
tls = "on"
)");
  EXPECT_EQ(s.string("host"), std::nullopt);
  EXPECT_EQ(s.integer("port", 0, 65535), std::nullopt);
  EXPECT_EQ(s.boolean("enabled"), std::nullopt);
  EXPECT_EQ(s.duration("timeout"), std::nullopt);
  EXPECT_EQ(s.signal("stop_signal"), std::nullopt);
  EXPECT_EQ(s.string_list("args"), std::nullopt);
  EXPECT_EQ(s.integer_list("codes", 0, 10), std::nullopt);
  EXPECT_EQ(s.string_table("env"), std::nullopt);
  EXPECT_EQ(s.integer_table("limits"), std::nullopt);
  EXPECT_EQ(s.signal_table("rewrite"), std::nullopt);
  EXPECT_EQ(s.string_or_list("command"), std::nullopt);
  EXPECT_FALSE(s.table("tls", kTlsSpec).present());
  EXPECT_THAT(
      messages(),
      ElementsAre(
          "graced.toml:2: server.host: expected a string, got an integer",
          "graced.toml:3: server.port: expected an integer, got a string",
          "graced.toml:4: server.enabled: expected true or false, got a string",
          "graced.toml:5: server.timeout: expected a duration string such as \"5s\", got an "
          "integer",
          "graced.toml:6: server.stop_signal: expected a signal name such as \"SIGTERM\", got a "
          "boolean",
          "graced.toml:7: server.args: expected an array of strings, got a string",
          "graced.toml:8: server.codes: expected an array of integers, got an integer",
          "graced.toml:9: server.env: expected a table of strings, got an array",
          "graced.toml:10: server.limits: expected a table of integers, got an integer",
          "graced.toml:11: server.rewrite: expected a table of signals such as { SIGHUP = "
          "\"SIGUSR1\" }, got a string",
          "graced.toml:12: server.command: expected an array of strings, got a float",
          "graced.toml:13: server.tls: expected a table, got a string"));
}

TEST_F(SectionTest, IntegerOutsideItsRangeIsAnError) {
  Section s = server("[server]\nport = 70000\ncodes = [0, 256, -1, \"x\"]\n");
  EXPECT_EQ(s.integer("port", 1, 65535), std::nullopt);
  EXPECT_EQ(s.integer_list("codes", 0, 255), std::nullopt);
  EXPECT_THAT(messages(),
              ElementsAre("graced.toml:2: server.port: 70000 is out of range (1 to 65535)",
                          "graced.toml:3: server.codes[1]: 256 is out of range (0 to 255)",
                          "graced.toml:3: server.codes[2]: -1 is out of range (0 to 255)",
                          "graced.toml:3: server.codes[3]: expected an integer, got a string"));
}

TEST_F(SectionTest, IntegerAtTheEdgesOfItsRangeIsAccepted) {
  Section s = server("[server]\nport = 1\ncodes = [0, 255]\n");
  EXPECT_EQ(s.integer("port", 1, 65535), 1);
  EXPECT_EQ(s.integer_list("codes", 0, 255), (std::vector<std::int64_t>{0, 255}));
  EXPECT_TRUE(diags.all().empty());
}

TEST_F(SectionTest, BadSignalIsAnError) {
  Section s = server("[server]\nstop_signal = \"SIGNOPE\"\n");
  EXPECT_EQ(s.signal("stop_signal"), std::nullopt);
  EXPECT_THAT(messages(), ElementsAre("graced.toml:2: server.stop_signal: \"SIGNOPE\" is not a "
                                      "signal (use e.g. \"SIGTERM\", \"TERM\" or 15)"));
}

TEST_F(SectionTest, SignalMayBeANumber) {
  Section s = server("[server]\nstop_signal = 15\n");
  EXPECT_EQ(s.signal("stop_signal"), SIGTERM);
  Diagnostics d2;
  Document doc2;
  ASSERT_TRUE(doc2.load_string("[server]\nstop_signal = 0\n", "b.toml", d2));
  Section root2 = doc2.root(kRootSpec, d2);
  EXPECT_EQ(root2.table("server", kServerSpec).signal("stop_signal"), std::nullopt);
  ASSERT_EQ(d2.all().size(), 1u);
  EXPECT_EQ(d2.all()[0].str(),
            "b.toml:2: server.stop_signal: \"0\" is not a signal (use e.g. \"SIGTERM\", \"TERM\" "
            "or 15)");
}

TEST_F(SectionTest, EachBadEntryOfATableIsReportedOnItsOwnLine) {
  Section s = server(R"([server]
[server.env]
GOOD = "1"
BAD = 2
UNSET = "${NOT_SET}"
[server.limits]
files = "many"
[server.rewrite]
HUPP = "USR1"
TERM = "NOPE"
INT = [1]
)");
  EXPECT_EQ(s.string_table("env"), std::nullopt);
  EXPECT_EQ(s.integer_table("limits"), std::nullopt);
  EXPECT_EQ(s.signal_table("rewrite"), std::nullopt);
  EXPECT_THAT(
      messages(),
      ElementsAre(
          "graced.toml:4: server.env.BAD: expected a string, got an integer",
          "graced.toml:5: server.env.UNSET: environment variable NOT_SET is not set (use "
          "${NOT_SET:-default} for a default)",
          "graced.toml:7: server.limits.files: expected an integer, got a string",
          "graced.toml:9: server.rewrite.HUPP: \"HUPP\" is not a signal (use e.g. \"SIGHUP\", "
          "\"HUP\" or 1)",
          "graced.toml:11: server.rewrite.INT: expected a signal name such as \"SIGTERM\", got an "
          "array",
          "graced.toml:10: server.rewrite.TERM: \"NOPE\" is not a signal (use e.g. \"SIGTERM\", "
          "\"TERM\" or 15)"));
}

TEST_F(SectionTest, BadItemOfAnArrayIsReportedOnItsOwnLine) {
  Section s = server(R"([server]
args = [
  "ok",
  3,
  "${NOT_SET}",
]
)");
  EXPECT_EQ(s.string_list("args"), std::nullopt);
  EXPECT_THAT(messages(),
              ElementsAre("graced.toml:4: server.args[1]: expected a string, got an integer",
                          "graced.toml:5: server.args[2]: environment variable NOT_SET is not set "
                          "(use ${NOT_SET:-default} for a default)"));
}

TEST_F(SectionTest, UnsetVariableIsAnErrorNamingIt) {
  Section s = server("[server]\n\nhost = \"${DB_HOST}\"\n");
  EXPECT_EQ(s.string("host"), std::nullopt);
  ASSERT_EQ(diags.errors().size(), 1u);
  EXPECT_EQ(diags.errors()[0].origin.line, 3u);
  EXPECT_EQ(diags.errors()[0].key, "server.host");
  EXPECT_THAT(diags.errors()[0].message, HasSubstr("DB_HOST is not set"));
}

TEST_F(SectionTest, DurationAndSignalAreExpandedBeforeParsing) {
  env["GRACE"] = "250ms";
  env["SIG"] = "TERM";
  Section s = server("[server]\ntimeout = \"${GRACE}\"\nstop_signal = \"${SIG:-INT}\"\n");
  EXPECT_EQ(s.duration("timeout"), std::chrono::milliseconds(250));
  EXPECT_EQ(s.signal("stop_signal"), SIGTERM);
  EXPECT_TRUE(diags.all().empty());
}

TEST_F(SectionTest, CollectsEveryErrorInOnePass) {
  Section root = load(R"(title = 1
[server]
host = "h"
port = 0
timeout = "1.5s"
colour = "blue"

[[items]]
name = "a"
timeout = "1s"

[[items]]
name = "b"
timeout = "soon"
size = 3
)");
  EXPECT_EQ(root.string("title"), std::nullopt);
  Section s = root.table("server", kServerSpec);
  EXPECT_EQ(s.string("host"), "h");
  EXPECT_EQ(s.integer("port", 1, 65535), std::nullopt);
  EXPECT_EQ(s.duration("timeout"), std::nullopt);
  s.check_unknown_keys();
  auto items = root.table_array("items", kItemSpec);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].path(), "items[0]");
  EXPECT_EQ(items[1].path(), "items[1]");
  for (auto& item : items) {
    item.string("name");
    item.duration("timeout");
    item.check_unknown_keys();
  }
  root.check_unknown_keys();
  EXPECT_THAT(messages(),
              ElementsAre("graced.toml:1: title: expected a string, got an integer",
                          "graced.toml:4: server.port: 0 is out of range (1 to 65535)",
                          "graced.toml:5: server.timeout: \"1.5s\" is not a duration (use e.g. "
                          "\"5s\", \"250ms\", \"1m30s\")",
                          "graced.toml:6: server.colour: unknown key (known keys: host port "
                          "enabled timeout stop_signal args codes env limits rewrite command tls)",
                          "graced.toml:14: items[1].timeout: \"soon\" is not a duration (use e.g. "
                          "\"5s\", \"250ms\", \"1m30s\")",
                          "graced.toml:15: items[1].size: unknown key (known keys: name timeout)"));
  EXPECT_EQ(diags.errors().size(), 6u);
}

TEST_F(SectionTest, UnknownKeyCloseToAKnownOneSuggestsIt) {
  Section s = server("[server]\nhots = \"h\"\ntimout = \"1s\"\n");
  s.check_unknown_keys();
  EXPECT_THAT(messages(),
              ElementsAre("graced.toml:2: server.hots: unknown key (did you mean \"host\"?)",
                          "graced.toml:3: server.timout: unknown key (did you mean \"timeout\"?)"));
}

TEST_F(SectionTest, UnknownTopLevelKeyIsAnError) {
  Section root = load("title = \"t\"\n[servers]\nhost = \"h\"\n[zzz]\n");
  root.check_unknown_keys();
  EXPECT_THAT(messages(),
              ElementsAre("graced.toml:2: servers: unknown key (did you mean \"server\"?)",
                          "graced.toml:4: zzz: unknown key (known keys: server items title)"));
}

TEST_F(SectionTest, KeysOfEverySpecOfATableAreKnown) {
  Section root = load("[[items]]\nname = \"a\"\nweight = 3\nheight = 4\n");
  auto items = root.table_array("items", kItemSpec);
  ASSERT_EQ(items.size(), 1u);
  items[0].add_spec(kItemExtraSpec);
  EXPECT_EQ(items[0].integer("weight", 0, 10), 3);
  items[0].check_unknown_keys();
  EXPECT_THAT(messages(), ElementsAre("graced.toml:4: items[0].height: unknown key (did you mean "
                                      "\"weight\"?)"));
}

TEST_F(SectionTest, NestedTableHasADottedPath) {
  Section s = server("[server.tls]\ncert = 5\n");
  Section tls = s.table("tls", kTlsSpec);
  EXPECT_TRUE(tls.present());
  EXPECT_EQ(tls.path(), "server.tls");
  EXPECT_EQ(tls.key_path("cert"), "server.tls.cert");
  EXPECT_EQ(tls.string("cert"), std::nullopt);
  EXPECT_THAT(messages(),
              ElementsAre("graced.toml:2: server.tls.cert: expected a string, got an integer"));
}

TEST_F(SectionTest, ArrayOfTablesWhereATableIsWrittenIsAnError) {
  Section root = load("[items]\nname = \"a\"\n");
  EXPECT_TRUE(root.table_array("items", kItemSpec).empty());
  EXPECT_THAT(messages(), ElementsAre("graced.toml:1: items: expected an array of tables "
                                      "([[items]]), got a table"));
}

TEST_F(SectionTest, EmptyArrayOfTablesMeansNone) {
  Section root = load("items = []\n");
  EXPECT_TRUE(root.table_array("items", kItemSpec).empty());
  EXPECT_TRUE(diags.all().empty()) << ::testing::PrintToString(messages());
}

TEST_F(SectionTest, InlineArrayOfTablesIsAccepted) {
  Section root = load("items = [\n  { name = \"a\" },\n  { name = \"b\", timeout = \"x\" },\n]\n");
  auto items = root.table_array("items", kItemSpec);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].string("name"), "b");
  EXPECT_EQ(items[1].duration("timeout"), std::nullopt);
  EXPECT_THAT(messages(), ElementsAre("graced.toml:3: items[1].timeout: \"x\" is not a duration "
                                      "(use e.g. \"5s\", \"250ms\", \"1m30s\")"));
}

TEST_F(SectionTest, StringOrListTakesEither) {
  Section s = server("[server]\ncommand = [\"app\", \"--port\", \"80\"]\n");
  EXPECT_EQ(s.string_or_list("command"), (std::vector<std::string>{"app", "--port", "80"}));
  Document doc2;
  Diagnostics d2;
  ASSERT_TRUE(doc2.load_string("[server]\ncommand = \"app --port 80\"\n", "c.toml", d2));
  Section root2 = doc2.root(kRootSpec, d2);
  // A single string is one argument: it is never split at spaces.
  EXPECT_EQ(root2.table("server", kServerSpec).string_or_list("command"),
            (std::vector<std::string>{"app --port 80"}));
  EXPECT_TRUE(diags.all().empty());
  EXPECT_TRUE(d2.all().empty());
}

TEST_F(SectionTest, ErrorsAndWarningsRaisedByParsersCarryTheKeysOrigin) {
  Section s = server("[server]\nhost = \"h\"\nport = 22\n");
  s.error("port", "is reserved");
  s.warning("host", "is not resolvable");
  s.error("not_in_file", "must be set");
  EXPECT_THAT(messages(), ElementsAre("graced.toml:3: server.port: is reserved",
                                      "graced.toml:2: warning: server.host: is not resolvable",
                                      "graced.toml:1: server.not_in_file: must be set"));
  EXPECT_EQ(diags.errors().size(), 2u);
  EXPECT_EQ(diags.warnings().size(), 1u);
}

TEST_F(SectionTest, WarningsAloneAreNotErrors) {
  Section s = server("[server]\nhost = \"h\"\n");
  s.warning("host", "hmm");
  EXPECT_FALSE(diags.has_errors());
  EXPECT_EQ(diags.warnings().size(), 1u);
}

TEST(DocumentLoad, SyntaxErrorNamesTheLine) {
  Document doc;
  Diagnostics diags;
  EXPECT_FALSE(doc.load_string("[server]\nhost = \"h\"\nport = = 5\n", "bad.toml", diags));
  ASSERT_EQ(diags.errors().size(), 1u);
  EXPECT_EQ(diags.errors()[0].origin.source, "bad.toml");
  EXPECT_EQ(diags.errors()[0].origin.line, 3u);
  EXPECT_THAT(diags.errors()[0].str(), ::testing::StartsWith("bad.toml:3: "));
}

// Found by tests/fuzz/config_fuzz: toml++ 3.3 asserted (or, with clang and NDEBUG,
// assumed) that a table header's key starts like a key, instead of reporting it.
TEST(DocumentLoad, TableHeaderStartingWithNoKeyIsASyntaxError) {
  for (const std::string& toml :
       {std::string("[\x01"), std::string("[&"), std::string("[[[1]]]"), std::string("[[=\n"),
        std::string("[ \n"), std::string("[[\x7f]]")}) {
    Document doc;
    Diagnostics diags;
    EXPECT_FALSE(doc.load_string(toml, "graced.toml", diags)) << toml;
    ASSERT_EQ(diags.all().size(), 1u) << toml;
    EXPECT_FALSE(diags.all()[0].message.empty()) << toml;
    EXPECT_EQ(diags.all()[0].origin.line, 1u) << toml;
  }
}

// Found by tests/fuzz/config_fuzz: toml++ 3.3 reaches __builtin_unreachable() on most
// characters outside ASCII where it asks whether they are blank ("x = 1\u00e9").
TEST(DocumentLoad, CharacterOutsideAsciiWhereABlankMayBeIsHandled) {
  Document doc;
  Diagnostics diags;
  EXPECT_FALSE(
      doc.load_string("a = 1\n# caf\xC3\xA9\nb = \"caf\xC3\xA9\"\nc = '''\n\xC3\xA9'''\n"
                      "x = 1\xC3\xA9\n",
                      "graced.toml", diags));
  ASSERT_EQ(diags.errors().size(), 1u);
  EXPECT_EQ(diags.errors()[0].origin.line, 6u);
  // After a line-ending backslash toml++ asks the same question of the next character.
  Document continued;
  Diagnostics continued_diags;
  ASSERT_TRUE(continued.load_string("[server]\nhost = \"\"\"x\\\n  \xC3\xA9\"\"\"\n", "graced.toml",
                                    continued_diags));
  EXPECT_EQ(continued.root(kRootSpec, continued_diags).table("server", kServerSpec).string("host"),
            "x\xC3\xA9");
  Document ok;
  Diagnostics ok_diags;
  EXPECT_TRUE(
      ok.load_string("\xEF\xBB\xBF# caf\xC3\xA9\nb = \"\\\"caf\xC3\xA9\"\n"
                     "c = \"\"\"x\"\"\xC3\xA9\"\"\"\"\"\n\"k\xC3\xA9y\" = 'caf\xC3\xA9'\n",
                     "graced.toml", ok_diags))
      << (ok_diags.all().empty() ? "" : ok_diags.all()[0].str());
}

TEST(DocumentLoad, MissingFileIsAnErrorNamingIt) {
  Document doc;
  Diagnostics diags;
  EXPECT_FALSE(doc.load_file("/nonexistent/graced-unit-test.toml", diags));
  ASSERT_EQ(diags.errors().size(), 1u);
  EXPECT_EQ(diags.errors()[0].str(),
            "/nonexistent/graced-unit-test.toml: cannot read the file: No such file or directory");
}

TEST(DocumentLoad, WithoutAFileTheRootIsEmpty) {
  Document doc;
  Diagnostics diags;
  Section root = doc.root(kRootSpec, diags);
  EXPECT_TRUE(root.present());
  EXPECT_FALSE(root.table("server", kServerSpec).present());
  EXPECT_EQ(doc.source_name(), "defaults");
  root.check_unknown_keys();
  EXPECT_TRUE(diags.all().empty());
}

// --set KEY=VALUE on top of a file.
class SetOverride : public SectionTest {};

TEST_F(SetOverride, ValueIsReadAsToml) {
  load("");
  ASSERT_TRUE(doc.set_override("server.port=8080", diags));
  ASSERT_TRUE(doc.set_override("server.enabled=true", diags));
  ASSERT_TRUE(doc.set_override("server.host=\"quoted # not a comment\"", diags));
  ASSERT_TRUE(doc.set_override("server.args=[\"a\", \"b c\"]", diags));
  ASSERT_TRUE(doc.set_override("server.env={ A = \"1\" }", diags));
  Section s = doc.root(kRootSpec, diags).table("server", kServerSpec);
  EXPECT_EQ(s.integer("port", 1, 65535), 8080);
  EXPECT_EQ(s.boolean("enabled"), true);
  EXPECT_EQ(s.string("host"), "quoted # not a comment");
  EXPECT_EQ(s.string_list("args"), (std::vector<std::string>{"a", "b c"}));
  EXPECT_EQ(s.string_table("env")->size(), 1u);
  EXPECT_TRUE(diags.all().empty()) << ::testing::PrintToString(messages());
}

TEST_F(SetOverride, BareWordIsAString) {
  load("");
  ASSERT_TRUE(doc.set_override("server.timeout=5s", diags));
  ASSERT_TRUE(doc.set_override("server.host=db.internal", diags));
  ASSERT_TRUE(doc.set_override("server.stop_signal=SIGTERM", diags));
  ASSERT_TRUE(doc.set_override("title=", diags));
  ASSERT_TRUE(doc.set_override("server.command=a = \"b\"", diags));
  Section root = doc.root(kRootSpec, diags);
  Section s = root.table("server", kServerSpec);
  EXPECT_EQ(s.duration("timeout"), std::chrono::seconds(5));
  EXPECT_EQ(s.string("host"), "db.internal");
  EXPECT_EQ(s.signal("stop_signal"), SIGTERM);
  EXPECT_EQ(root.string("title"), "");
  EXPECT_EQ(s.string_or_list("command"), (std::vector<std::string>{"a = \"b\""}));
  EXPECT_TRUE(diags.all().empty()) << ::testing::PrintToString(messages());
}

TEST_F(SetOverride, ValueWithANewlineIsOneString) {
  load("");
  ASSERT_TRUE(doc.set_override("title=1\nserver = 2", diags));
  Section root = doc.root(kRootSpec, diags);
  EXPECT_EQ(root.string("title"), "1\nserver = 2");
  EXPECT_FALSE(root.has("server"));
}

TEST_F(SetOverride, TextThatIsNotTomlBecauseOfACharacterOutsideAsciiIsAString) {
  load("");
  ASSERT_TRUE(doc.set_override("server.host=1\xC3\xA9", diags));
  Section root = doc.root(kRootSpec, diags);
  Section s = root.table("server", kServerSpec);
  EXPECT_EQ(s.string("host"), "1\xC3\xA9");
  EXPECT_TRUE(diags.all().empty()) << ::testing::PrintToString(messages());
}

TEST_F(SetOverride, OverridesAFileValueAndErrorsNameTheFlag) {
  load("[server]\nhost = \"from-file\"\nport = 1\n");
  ASSERT_TRUE(doc.set_override("server.host=from-flag", diags));
  ASSERT_TRUE(doc.set_override("server.port=none", diags));
  Section s = doc.root(kRootSpec, diags).table("server", kServerSpec);
  EXPECT_EQ(s.string("host"), "from-flag");
  EXPECT_EQ(s.origin("host").str(), "--set");
  EXPECT_EQ(s.integer("port", 1, 65535), std::nullopt);
  EXPECT_THAT(messages(), ElementsAre("--set: server.port: expected an integer, got a string"));
}

TEST_F(SetOverride, TypedValueErrorsAlsoNameTheFlag) {
  load("");
  ASSERT_TRUE(doc.set_override("server.timeout=5", diags));
  Section s = doc.root(kRootSpec, diags).table("server", kServerSpec);
  EXPECT_EQ(s.duration("timeout"), std::nullopt);
  EXPECT_THAT(messages(), ElementsAre("--set: server.timeout: expected a duration string such as "
                                      "\"5s\", got an integer"));
}

TEST_F(SetOverride, NestedKeysCreateTables) {
  load("[server]\nhost = \"h\"\n");
  ASSERT_TRUE(doc.set_override("server.tls.cert=/etc/cert.pem", diags));
  Section s = doc.root(kRootSpec, diags).table("server", kServerSpec);
  EXPECT_EQ(s.string("host"), "h");
  EXPECT_EQ(s.table("tls", kTlsSpec).string("cert"), "/etc/cert.pem");
  EXPECT_TRUE(diags.all().empty());
}

TEST_F(SetOverride, UnknownKeyFromTheFlagIsReported) {
  load("");
  ASSERT_TRUE(doc.set_override("server.hostname=x", diags));
  Section s = doc.root(kRootSpec, diags).table("server", kServerSpec);
  s.check_unknown_keys();
  EXPECT_THAT(messages(), ElementsAre(HasSubstr("--set: server.hostname: unknown key")));
}

TEST_F(SetOverride, BadAssignmentsAreErrors) {
  load("title = \"t\"\n[server]\nhost = \"h\"\n");
  EXPECT_FALSE(doc.set_override("server.host", diags));
  EXPECT_FALSE(doc.set_override("=5", diags));
  EXPECT_FALSE(doc.set_override("server..host=5", diags));
  EXPECT_FALSE(doc.set_override("server.=5", diags));
  EXPECT_FALSE(doc.set_override("title.x=5", diags));
  EXPECT_THAT(
      messages(),
      ElementsAre("--set: \"server.host\" is not KEY=VALUE (e.g. --set process.signal_group=true)",
                  "--set: \"=5\" is not KEY=VALUE (e.g. --set process.signal_group=true)",
                  "--set: server..host: is not a key path (write the keys separated by single "
                  "dots, e.g. process.signal_group)",
                  "--set: server.: is not a key path (write the keys separated by single dots, "
                  "e.g. process.signal_group)",
                  "--set: title.x: title is a string, not a table"));
  // Nothing was changed by the failed assignments.
  Diagnostics d2;
  Section root = doc.root(kRootSpec, d2);
  EXPECT_EQ(root.string("title"), "t");
  EXPECT_EQ(root.table("server", kServerSpec).string("host"), "h");
}

TEST(Diagnostics, FormatsOriginKeyAndSeverity) {
  EXPECT_EQ((Origin{"graced.toml", 12}).str(), "graced.toml:12");
  EXPECT_EQ((Origin{"--set", 0}).str(), "--set");
  Diagnostic d{Diagnostic::Severity::error, {"graced.toml", 12}, "shutdown.drain_delay", "bad"};
  EXPECT_EQ(d.str(), "graced.toml:12: shutdown.drain_delay: bad");
  Diagnostic w{Diagnostic::Severity::warning, {"f", 1}, "", "careful"};
  EXPECT_EQ(w.str(), "f:1: warning: careful");
  Diagnostic bare{Diagnostic::Severity::error, {"", 0}, "k", "m"};
  EXPECT_EQ(bare.str(), "k: m");
}

}  // namespace
}  // namespace graced::config
