// A hook's output cut into lines as it arrives: split across reads, CRLF, the partial
// last line, over-long lines cut at 4 KiB (never inside a UTF-8 character) and the rest
// of them dropped.
#include "hooks/output_lines.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace graced::hooks {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

struct Collected {
  std::vector<std::pair<std::string, bool>> lines;
  OutputLines out{[this](std::string_view line, bool cut) { lines.emplace_back(line, cut); }};
};

TEST(OutputLinesTest, CompleteLinesGoOutAsTheyArrive) {
  Collected c;
  c.out.feed("one\ntwo\nthr");
  EXPECT_THAT(c.lines, ElementsAre(Pair("one", false), Pair("two", false)));
  c.out.feed("ee\n");
  EXPECT_THAT(c.lines.back(), Pair("three", false));
  c.out.flush();
  EXPECT_EQ(c.lines.size(), 3u);
}

TEST(OutputLinesTest, PartialLastLineIsFlushed) {
  Collected c;
  c.out.feed("done\nno newline");
  c.out.flush();
  EXPECT_THAT(c.lines, ElementsAre(Pair("done", false), Pair("no newline", false)));
}

TEST(OutputLinesTest, CarriageReturnsAndEmptyLinesAreDropped) {
  Collected c;
  c.out.feed("dos\r\n\n\r\nunix\n");
  c.out.feed("last\r");
  c.out.flush();
  EXPECT_THAT(c.lines, ElementsAre(Pair("dos", false), Pair("unix", false), Pair("last", false)));
}

TEST(OutputLinesTest, ALineOfExactlyTheLimitIsNotCut) {
  Collected c;
  const std::string line(OutputLines::kMaxLine, 'a');
  c.out.feed(line);
  EXPECT_TRUE(c.lines.empty());
  c.out.feed("\nnext\n");
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0].first, line);
  EXPECT_FALSE(c.lines[0].second);
  EXPECT_THAT(c.lines[1], Pair("next", false));
}

TEST(OutputLinesTest, ALongerLineIsCutAndItsRestDropped) {
  Collected c;
  // 10000 bytes in small reads, then the next line.
  for (int i = 0; i < 100; ++i)
    c.out.feed(std::string(100, 'x'));
  EXPECT_EQ(c.lines.size(), 1u) << "cut as soon as the limit is passed";
  c.out.feed("tail of the long line\nafter\n");
  c.out.flush();
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_EQ(c.lines[0].first, std::string(OutputLines::kMaxLine, 'x'));
  EXPECT_TRUE(c.lines[0].second);
  EXPECT_THAT(c.lines[1], Pair("after", false));
}

TEST(OutputLinesTest, ACutNeverSplitsAUtf8Character) {
  Collected c;
  // "é" is two bytes; placed so that the limit falls between them.
  std::string line(OutputLines::kMaxLine - 1, 'a');
  line += "\xc3\xa9 and more\n";
  c.out.feed(line);
  ASSERT_EQ(c.lines.size(), 1u);
  EXPECT_EQ(c.lines[0].first, std::string(OutputLines::kMaxLine - 1, 'a'));
  EXPECT_TRUE(c.lines[0].second);
}

TEST(OutputLinesTest, ACutLineIsNotFlushedAgain) {
  Collected c;
  c.out.feed(std::string(OutputLines::kMaxLine + 10, 'y'));
  c.out.flush();
  EXPECT_EQ(c.lines.size(), 1u);
}

}  // namespace
}  // namespace graced::hooks
