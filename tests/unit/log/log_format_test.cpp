#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "log/log.hpp"

namespace graced::log {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(LogText, PlainValuesAreUnquoted) {
  EXPECT_EQ(format_text("child started", {{"pid", 42}, {"command", "/usr/bin/app"}}),
            "child started pid=42 command=/usr/bin/app");
  EXPECT_EQ(format_text("no fields", {}), "no fields");
}

TEST(LogText, ValuesThatWouldBeAmbiguousAreQuotedAndEscaped) {
  EXPECT_EQ(format_text("m", {{"v", ""}}), "m v=\"\"");
  EXPECT_EQ(format_text("m", {{"v", "two words"}}), "m v=\"two words\"");
  EXPECT_EQ(format_text("m", {{"v", "a=b"}}), "m v=\"a=b\"");
  EXPECT_EQ(format_text("m", {{"v", "say \"hi\""}}), "m v=\"say \\\"hi\\\"\"");
  EXPECT_EQ(format_text("m", {{"v", "C:\\dir"}}), "m v=\"C:\\\\dir\"");
  EXPECT_EQ(format_text("m", {{"v", "line1\nline2"}}), "m v=\"line1\\nline2\"");
  EXPECT_EQ(format_text("m", {{"v", "tab\there"}}), "m v=\"tab\\there\"");
  EXPECT_EQ(format_text("m", {{"v", std::string("nul\0x", 5)}}), "m v=\"nul\\u0000x\"");
}

TEST(LogText, NumbersAndBooleansAreWrittenAsSuch) {
  EXPECT_EQ(format_text("m", {{"ok", true}, {"failed", false}}), "m ok=true failed=false");
  EXPECT_EQ(format_text("m", {{"n", -7}, {"big", std::uint64_t{18446744073709551615ULL}}}),
            "m n=-7 big=18446744073709551615");
  EXPECT_EQ(format_text("m", {{"ratio", 0.25}}), "m ratio=0.25");
}

TEST(LogText, MessageStaysOnOneLine) {
  EXPECT_EQ(format_text("exec failed:\nno such file", {{"k", "v"}}),
            "exec failed:\\nno such file k=v");
}

TEST(LogJson, FieldsBecomeMembers) {
  EXPECT_EQ(format_json("child started", {{"pid", 42}, {"command", "/usr/bin/app"}}),
            R"("msg":"child started","pid":42,"command":"/usr/bin/app")");
  EXPECT_EQ(format_json("no fields", {}), R"("msg":"no fields")");
}

TEST(LogJson, NumbersAndBooleansAreRaw) {
  EXPECT_EQ(format_json("m", {{"ok", true}, {"n", -7}, {"u", 7u}, {"ratio", 1.5}}),
            R"("msg":"m","ok":true,"n":-7,"u":7,"ratio":1.5)");
}

TEST(LogJson, NumbersThatLookLikeStringsStayStrings) {
  EXPECT_EQ(format_json("m", {{"port", "8080"}, {"flag", "true"}}),
            R"("msg":"m","port":"8080","flag":"true")");
}

TEST(LogJson, NonFiniteNumbersAreStrings) {
  // JSON has no inf or nan; a raw nan would make the whole line unparseable.
  EXPECT_EQ(format_json("m", {{"a", std::numeric_limits<double>::infinity()},
                              {"b", std::numeric_limits<double>::quiet_NaN()}}),
            R"("msg":"m","a":"inf","b":"nan")");
}

TEST(LogJson, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(format_json("say \"hi\"", {{"path", "C:\\dir"}}),
            R"("msg":"say \"hi\"","path":"C:\\dir")");
  EXPECT_EQ(format_json("m", {{"v", "a\nb\rc\td"}}), R"("msg":"m","v":"a\nb\rc\td")");
  EXPECT_EQ(format_json("m", {{"v", std::string("\x01\x1f\0", 3)}}),
            R"("msg":"m","v":"\u0001\u001f\u0000")");
  EXPECT_EQ(format_json("m", {{"k\"ey", "v"}}), R"("msg":"m","k\"ey":"v")");
}

TEST(LogJson, LeavesUtf8AndPrintableAsciiAlone) {
  EXPECT_EQ(json_escape("héllo wörld ✓ / <>&'"), "héllo wörld ✓ / <>&'");
}

TEST(LogLevel, ParsesNamesCaseInsensitively) {
  EXPECT_EQ(parse_level("debug"), Level::debug);
  EXPECT_EQ(parse_level("trace"), Level::debug);
  EXPECT_EQ(parse_level("info"), Level::info);
  EXPECT_EQ(parse_level("INFO"), Level::info);
  EXPECT_EQ(parse_level("warn"), Level::warn);
  EXPECT_EQ(parse_level("warning"), Level::warn);
  EXPECT_EQ(parse_level("Error"), Level::error);
  EXPECT_EQ(parse_level("off"), Level::off);
  EXPECT_EQ(parse_level("verbose"), std::nullopt);
  EXPECT_EQ(parse_level(""), std::nullopt);
  EXPECT_EQ(parse_format("text"), Format::text);
  EXPECT_EQ(parse_format("JSON"), Format::json);
  EXPECT_EQ(parse_format("xml"), std::nullopt);
}

// The whole line as graced writes it to stderr.
class LogOutput : public ::testing::Test {
 protected:
  void TearDown() override { configure(Format::text, Level::info); }

  static std::vector<std::string> capture(Format format, Level level, void (*emit)()) {
    configure(format, level);
    ::testing::internal::CaptureStderr();
    emit();
    std::istringstream all(::testing::internal::GetCapturedStderr());
    std::vector<std::string> lines;
    for (std::string line; std::getline(all, line);)
      lines.push_back(line);
    return lines;
  }
};

TEST_F(LogOutput, JsonIsOneObjectPerLineWithTsLevelMsgAndFields) {
  auto lines = capture(Format::json, Level::info, [] {
    info("child started", {{"pid", 42}, {"command", "app \"x\""}});
    warn("slow", {{"ms", 1500}});
  });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], MatchesRegex(R"(\{"ts":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:)"
                                     R"([0-9]{2}\.[0-9]{3}Z","level":"info","msg":"child )"
                                     R"(started","pid":42,"command":"app \\"x\\""\})"));
  EXPECT_THAT(lines[1], HasSubstr(R"("level":"warning","msg":"slow","ms":1500})"));
}

TEST_F(LogOutput, TextIsOneLinePerEvent) {
  auto lines = capture(Format::text, Level::info, [] {
    error("exec failed", {{"errno", "ENOENT"}});
  });
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], MatchesRegex(R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z graced error: )"
                                     R"(exec failed errno=ENOENT)"));
}

TEST_F(LogOutput, LevelFiltersEvents) {
  auto lines = capture(Format::text, Level::warn, [] {
    debug("d");
    info("i");
    warn("w");
    error("e");
  });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("warning: w"));
  EXPECT_THAT(lines[1], HasSubstr("error: e"));
  EXPECT_FALSE(enabled(Level::info));
  EXPECT_TRUE(enabled(Level::error));
  EXPECT_FALSE(enabled(Level::off));
}

TEST_F(LogOutput, OffSilencesEverything) {
  auto lines = capture(Format::json, Level::off, [] { error("e"); });
  EXPECT_TRUE(lines.empty());
}

}  // namespace
}  // namespace graced::log
