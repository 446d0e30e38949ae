#include "config/emitter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/section.hpp"

namespace graced::config {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Emitted text parsed back the way a configuration file is, with a schema that knows
// [process] (its keys as given) and [[checks]].
class ReadBack {
 public:
  ReadBack(const std::string& text, std::initializer_list<std::string_view> process_keys)
      : loaded_(doc_.load_string(text, "emitted", diags_)) {
    for (auto key : process_keys)
      process_spec_.keys.push_back({key, "", "", ""});
  }

  bool loaded() const { return loaded_; }
  Section process() { return doc_.root(root_spec_, diags_).table("process", process_spec_); }
  const Diagnostics& diags() const { return diags_; }

 private:
  Document doc_;
  Diagnostics diags_;
  bool loaded_;
  SectionSpec process_spec_{"process", "", {}};
  const SectionSpec root_spec_{"", "", {{"process", "", "", ""}, {"checks", "", "", ""}}};
};

TEST(Emitter, WritesTablesAndValuesAsToml) {
  Emitter e;
  auto process = e.root().sub("process");
  process.set("workdir", "/srv")
      .set("signal_group", true)
      .set("limit", 42)
      .set_duration("orphan_grace", std::chrono::milliseconds(1500))
      .set_signal("pdeathsig", SIGTERM)
      .set_list("command", {"app", "--port", "80"})
      .set_int_list("ports", {80, 443})
      .set_table("env", {{"LANG", "C"}})
      .set_int_table("exit_code_map", {{"143", 0}});
  e.root().append("checks").set("name", "a");
  e.root().append("checks").set("name", "b");
  const std::string out = e.str();
  EXPECT_THAT(out, HasSubstr("[process]\n"));
  EXPECT_THAT(out, HasSubstr("workdir = '/srv'"));
  EXPECT_THAT(out, HasSubstr("signal_group = true"));
  EXPECT_THAT(out, HasSubstr("limit = 42"));
  EXPECT_THAT(out, HasSubstr("orphan_grace = '1s500ms'"));
  EXPECT_THAT(out, HasSubstr("pdeathsig = 'SIGTERM'"));
  EXPECT_THAT(out, HasSubstr("command = [ 'app', '--port', '80' ]"));
  EXPECT_THAT(out, HasSubstr("ports = [ 80, 443 ]"));
  EXPECT_THAT(out, HasSubstr("[[checks]]\nname = 'a'\n\n[[checks]]\nname = 'b'"));

  // What check-config prints reads back as the same values.
  ReadBack back(out, {"workdir", "signal_group", "limit", "orphan_grace", "pdeathsig", "command",
                      "ports", "env", "exit_code_map"});
  ASSERT_TRUE(back.loaded()) << out;
  Section p = back.process();
  EXPECT_EQ(p.string("workdir"), "/srv");
  EXPECT_EQ(p.duration("orphan_grace"), std::chrono::milliseconds(1500));
  EXPECT_EQ(p.signal("pdeathsig"), SIGTERM);
  EXPECT_EQ(p.string_list("command"), (std::vector<std::string>{"app", "--port", "80"}));
  EXPECT_EQ(p.integer_table("exit_code_map")->at(0).second, 0);
  p.check_unknown_keys();
  EXPECT_TRUE(back.diags().all().empty());
}

TEST(Emitter, RedactsStringsBySecretKeyAndByContent) {
  Emitter e;
  e.root()
      .set("password", "hunter2")
      .set("url", "postgres://u:pw1@h/db")
      .set_table("env", {{"API_TOKEN", "tok"}, {"DSN", "host=h password=pw2"}, {"LANG", "C"}});
  const std::string out = e.str();
  EXPECT_THAT(out, HasSubstr("password = '<redacted>'"));
  EXPECT_THAT(out, HasSubstr("url = 'postgres://u:<redacted>@h/db'"));
  EXPECT_THAT(out, HasSubstr("API_TOKEN = '<redacted>'"));
  EXPECT_THAT(out, HasSubstr("DSN = 'host=h password=<redacted>'"));
  EXPECT_THAT(out, HasSubstr("LANG = 'C'"));
  for (const char* secret : {"hunter2", "pw1", "tok'", "pw2"})
    EXPECT_THAT(out, Not(HasSubstr(secret)));
}

TEST(Emitter, RedactsTheArgumentAfterASecretFlag) {
  Emitter e;
  e.root().set_list("command", {"app", "--db-password", "hunter2", "--token=abc", "--port", "80",
                                "-", "--", "--api-key"});
  const std::string out = e.str();
  EXPECT_THAT(out, HasSubstr("command = [ 'app', '--db-password', '<redacted>', "
                             "'--token=<redacted>', '--port', '80', '-', '--', '--api-key' ]"))
      << out;
}

TEST(Emitter, SubTableIsSharedAndAppendAddsOneTableEach) {
  Emitter e;
  e.root().sub("log").set("level", "info");
  e.root().sub("log").set("format", "json");
  const std::string out = e.str();
  EXPECT_THAT(out, HasSubstr("[log]\nformat = 'json'\nlevel = 'info'"));
}

TEST(Emitter, StringsAndKeysThatCannotBeBareReadBackExactly) {
  // Literal strings where TOML allows them, basic strings with escapes where it does not;
  // keys bare where they may be, quoted otherwise.
  const std::vector<std::string> values = {
      "plain", "it's", "a\"b\\c", "tab\there", "two\nlines", "bell\x07 del\x7f", "caf\xc3\xa9"};
  const std::vector<std::pair<std::string, std::string>> env = {
      {"weird name", "1"}, {"dotted.name", "2"}, {"quote'd", "3"}, {"", "4"}, {"LANG", "C"}};
  Emitter e;
  e.root().sub("process").set_list("command", values).set_table("env", env);
  const std::string out = e.str();
  EXPECT_THAT(out, HasSubstr("'plain', \"it's\", 'a\"b\\c'"));
  EXPECT_THAT(out, HasSubstr("\"two\\nlines\""));
  EXPECT_THAT(out, HasSubstr("'weird name' = '1'"));
  EXPECT_THAT(out, HasSubstr("LANG = 'C'"));

  ReadBack back(out, {"command", "env"});
  ASSERT_TRUE(back.loaded()) << out;
  Section p = back.process();
  EXPECT_EQ(p.string_list("command"), values);
  auto read_env = p.string_table("env");
  ASSERT_TRUE(read_env.has_value()) << out;
  EXPECT_EQ(std::set(read_env->begin(), read_env->end()), std::set(env.begin(), env.end()));
}

TEST(Emitter, SubTablesAreIndentedAndATableOfTablesHasNoHeaderOfItsOwn) {
  Emitter e;
  e.root().sub("grpc").set("listen", "").sub("services");
  e.root().sub("signals").set_int_table("rewrite", {{"SIGTERM", 3}});
  e.root().set_int_list("empty", {});
  const std::string out = e.str();
  EXPECT_EQ(out,
            "empty = []\n"
            "\n[grpc]\nlisten = ''\n"
            "\n    [grpc.services]\n"
            "\n[signals.rewrite]\nSIGTERM = 3\n");
}

}  // namespace
}  // namespace graced::config
