#include "grpc/message_framing.hpp"

#include <gtest/gtest.h>

namespace graced::grpc {
namespace {

using namespace std::string_literals;

TEST(MessageFraming, PrefixIsFlagAndBigEndianLength) {
  EXPECT_EQ(frame_message(""), "\0\0\0\0\0"s);
  EXPECT_EQ(frame_message("ab"),
            "\0\0\0\0\x02"
            "ab"s);
  EXPECT_EQ(frame_message(std::string(0x10203, 'x')).substr(0, 5), "\0\0\x01\x02\x03"s);
}

TEST(MessageFraming, DeframesEveryMessageOfABody) {
  const std::string body = frame_message("a") + frame_message("") + frame_message("bc");
  auto d = deframe(body, 100);  // views into `body`
  EXPECT_EQ(d.error, DeframeError::none);
  ASSERT_EQ(d.messages.size(), 3u);
  EXPECT_EQ(d.messages[0], "a");
  EXPECT_EQ(d.messages[1], "");
  EXPECT_EQ(d.messages[2], "bc");
  EXPECT_TRUE(deframe("", 100).messages.empty());
}

TEST(MessageFraming, ReportsWhatIsWrong) {
  EXPECT_EQ(deframe("\0\0\0"s, 100).error, DeframeError::truncated);
  EXPECT_EQ(deframe("\0\0\0\0\x03"
                    "ab"s,
                    100)
                .error,
            DeframeError::truncated);
  EXPECT_EQ(deframe("\x01\0\0\0\0"s, 100).error, DeframeError::compressed);
  EXPECT_EQ(deframe("\x02\0\0\0\0"s, 100).error, DeframeError::bad_flag);
  EXPECT_EQ(deframe(frame_message(std::string(101, 'x')), 100).error, DeframeError::too_large);
  EXPECT_EQ(deframe(frame_message(std::string(100, 'x')), 100).error, DeframeError::none);
  // A huge announced length is refused before anything is read.
  EXPECT_EQ(deframe("\0\xff\xff\xff\xff"s, 100).error, DeframeError::too_large);
  // Messages before the problem are kept.
  const std::string body = frame_message("ok") + "\0\0"s;
  auto d = deframe(body, 100);
  EXPECT_EQ(d.error, DeframeError::truncated);
  EXPECT_EQ(d.messages.size(), 1u);
}

}  // namespace
}  // namespace graced::grpc
