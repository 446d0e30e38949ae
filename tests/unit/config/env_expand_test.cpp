#include "config/env_expand.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace graced::config {
namespace {

// A fixed environment, so no test depends on (or changes) the real one.
class EnvExpand : public ::testing::Test {
 protected:
  std::map<std::string, std::string> vars{
      {"HOST", "db.internal"}, {"PORT", "5432"}, {"EMPTY", ""}, {"_under", "u"}, {"A1", "a1"}};
  std::vector<std::string> looked_up;
  EnvLookup lookup = [this](const std::string& name) -> std::optional<std::string> {
    looked_up.push_back(name);
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };

  std::string ok(std::string_view text) {
    auto r = expand_env(text, lookup);
    if (auto* err = std::get_if<ExpandError>(&r)) {
      ADD_FAILURE() << "expanding \"" << text << "\" failed: " << err->message;
      return {};
    }
    return std::get<std::string>(r);
  }

  std::string error(std::string_view text) {
    auto r = expand_env(text, lookup);
    if (auto* s = std::get_if<std::string>(&r)) {
      ADD_FAILURE() << "expanding \"" << text << "\" succeeded with \"" << *s << "\"";
      return {};
    }
    return std::get<ExpandError>(r).message;
  }
};

TEST_F(EnvExpand, LeavesTextWithoutReferencesAlone) {
  EXPECT_EQ(ok(""), "");
  EXPECT_EQ(ok("plain text"), "plain text");
  EXPECT_TRUE(looked_up.empty());
}

TEST_F(EnvExpand, ReplacesVariables) {
  EXPECT_EQ(ok("${HOST}"), "db.internal");
  EXPECT_EQ(ok("postgres://${HOST}:${PORT}/app"), "postgres://db.internal:5432/app");
  EXPECT_EQ(ok("${_under}${A1}"), "ua1");
  EXPECT_EQ(looked_up, (std::vector<std::string>{"HOST", "HOST", "PORT", "_under", "A1"}));
}

TEST_F(EnvExpand, UsesTheDefaultOnlyWhenUnsetOrEmpty) {
  EXPECT_EQ(ok("${MISSING:-fallback}"), "fallback");
  EXPECT_EQ(ok("${EMPTY:-fallback}"), "fallback");
  EXPECT_EQ(ok("${HOST:-fallback}"), "db.internal");
  EXPECT_EQ(ok("${MISSING:-}"), "");
  EXPECT_EQ(ok("${MISSING:-a b:c-d}"), "a b:c-d");
  EXPECT_EQ(ok("${MISSING:-http://x:1/}"), "http://x:1/");
}

TEST_F(EnvExpand, EmptyVariableWithoutDefaultIsEmpty) {
  // Set but empty is a value, as in the shell's ${VAR}.
  EXPECT_EQ(ok("[${EMPTY}]"), "[]");
}

TEST_F(EnvExpand, DoubleDollarIsALiteralDollar) {
  EXPECT_EQ(ok("$$"), "$");
  EXPECT_EQ(ok("cost: $$5"), "cost: $5");
  EXPECT_EQ(ok("$${HOST}"), "${HOST}");
  EXPECT_EQ(ok("$$$${HOST}"), "$${HOST}");
  EXPECT_TRUE(looked_up.empty());
}

TEST_F(EnvExpand, LoneDollarIsKept) {
  EXPECT_EQ(ok("$"), "$");
  EXPECT_EQ(ok("a$"), "a$");
  EXPECT_EQ(ok("$HOST"), "$HOST");
  EXPECT_EQ(ok("pa$word"), "pa$word");
  EXPECT_EQ(ok("$ {HOST}"), "$ {HOST}");
  EXPECT_TRUE(looked_up.empty());
}

TEST_F(EnvExpand, UnsetVariableWithoutDefaultNamesIt) {
  const std::string msg = error("postgres://${DB_PASSWORD}@db");
  EXPECT_NE(msg.find("DB_PASSWORD"), std::string::npos) << msg;
  EXPECT_NE(msg.find("is not set"), std::string::npos) << msg;
  EXPECT_NE(msg.find("${DB_PASSWORD:-"), std::string::npos) << "suggests a default: " << msg;
}

TEST_F(EnvExpand, UnterminatedReferenceIsAnError) {
  for (const char* text : {"${", "${HOST", "abc ${HOST:-x", "${HOST} ${"}) {
    const std::string msg = error(text);
    EXPECT_NE(msg.find("unterminated"), std::string::npos) << text << ": " << msg;
    EXPECT_NE(msg.find("$$"), std::string::npos) << "tells how to write a literal $: " << msg;
  }
}

TEST_F(EnvExpand, InvalidNamesAreErrors) {
  for (const char* text : {"${}", "${1ABC}", "${A-B}", "${A B}", "${:-x}", "${HOST-x}", "${a.b}",
                           "${HOST:x}", "${$HOST}"}) {
    const std::string msg = error(text);
    EXPECT_NE(msg.find("not a valid variable reference"), std::string::npos) << text << ": " << msg;
    EXPECT_NE(msg.find(text), std::string::npos) << "quotes what was written: " << msg;
  }
  EXPECT_TRUE(looked_up.empty());
}

TEST_F(EnvExpand, InvalidReferenceSaysWhatIsValid) {
  const std::string msg = error("${HOST-x}");
  EXPECT_NE(msg.find("${NAME:-default}"), std::string::npos) << msg;
}

TEST_F(EnvExpand, ValuesAreNotExpandedAgain) {
  vars["INDIRECT"] = "${HOST}";
  vars["DOLLARS"] = "$$";
  EXPECT_EQ(ok("${INDIRECT}"), "${HOST}");
  EXPECT_EQ(ok("${DOLLARS}"), "$$");
  EXPECT_EQ(ok("${MISSING:-$$}"), "$$");
}

TEST(ProcessEnvironment, ReadsTheRealEnvironment) {
  const EnvLookup env = process_environment();
  ASSERT_EQ(setenv("GRACED_UNIT_TEST_VAR", "value 1", 1), 0);
  EXPECT_EQ(env("GRACED_UNIT_TEST_VAR"), "value 1");
  ASSERT_EQ(unsetenv("GRACED_UNIT_TEST_VAR"), 0);
  EXPECT_EQ(env("GRACED_UNIT_TEST_VAR"), std::nullopt);
}

}  // namespace
}  // namespace graced::config
