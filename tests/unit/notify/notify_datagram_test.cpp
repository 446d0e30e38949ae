// The sd_notify datagram parser on its own: what each assignment means, what is ignored,
// and what makes a datagram malformed.
#include "notify/notify_datagram.hpp"

#include <gtest/gtest.h>

#include <string>

namespace graced::notify {
namespace {

using namespace std::string_literals;

TEST(NotifyDatagram, ReadyAlone) {
  const auto m = parse_notify_datagram("READY=1");
  EXPECT_FALSE(m.malformed);
  EXPECT_TRUE(m.ready);
  EXPECT_FALSE(m.stopping);
  EXPECT_FALSE(m.watchdog_ping);
  EXPECT_FALSE(m.watchdog_trigger);
  EXPECT_FALSE(m.status);
  EXPECT_FALSE(m.mainpid);
}

TEST(NotifyDatagram, SeveralAssignmentsWithTrailingNewline) {
  const auto m = parse_notify_datagram("READY=1\nSTATUS=Processing requests\nMAINPID=4711\n");
  EXPECT_FALSE(m.malformed);
  EXPECT_TRUE(m.ready);
  ASSERT_TRUE(m.status);
  EXPECT_EQ(*m.status, "Processing requests");
  ASSERT_TRUE(m.mainpid);
  EXPECT_EQ(*m.mainpid, 4711);
}

TEST(NotifyDatagram, StoppingAndWatchdog) {
  EXPECT_TRUE(parse_notify_datagram("STOPPING=1").stopping);
  const auto ping = parse_notify_datagram("WATCHDOG=1");
  EXPECT_TRUE(ping.watchdog_ping);
  EXPECT_FALSE(ping.watchdog_trigger);
  const auto trigger = parse_notify_datagram("WATCHDOG=trigger");
  EXPECT_TRUE(trigger.watchdog_trigger);
  EXPECT_FALSE(trigger.watchdog_ping);
}

TEST(NotifyDatagram, OtherValuesOfKnownKeysMeanNothing) {
  const auto m = parse_notify_datagram("READY=0\nSTOPPING=yes\nWATCHDOG=2");
  EXPECT_FALSE(m.malformed);
  EXPECT_FALSE(m.ready);
  EXPECT_FALSE(m.stopping);
  EXPECT_FALSE(m.watchdog_ping);
  EXPECT_FALSE(m.watchdog_trigger);
}

TEST(NotifyDatagram, ValuesAreNotTrimmed) {
  // systemd compares "READY=1" exactly.
  EXPECT_FALSE(parse_notify_datagram("READY=1 ").ready);
  EXPECT_FALSE(parse_notify_datagram("READY= 1").ready);
  EXPECT_FALSE(parse_notify_datagram("READY=1\r\n").ready);
}

TEST(NotifyDatagram, EmptyStatusClearsIt) {
  const auto m = parse_notify_datagram("STATUS=");
  ASSERT_TRUE(m.status);
  EXPECT_EQ(*m.status, "");
}

TEST(NotifyDatagram, StatusKeepsEqualsSignsAndNonAscii) {
  const auto m = parse_notify_datagram("STATUS=a=b, caf\xc3\xa9 \xff");
  EXPECT_FALSE(m.malformed);
  ASSERT_TRUE(m.status);
  EXPECT_EQ(*m.status, "a=b, caf\xc3\xa9 \xff");
}

TEST(NotifyDatagram, FirstOccurrenceOfAKeyCounts) {
  const auto m = parse_notify_datagram("STATUS=first\nSTATUS=second\nMAINPID=10\nMAINPID=20");
  EXPECT_EQ(*m.status, "first");
  EXPECT_EQ(*m.mainpid, 10);
  EXPECT_FALSE(parse_notify_datagram("READY=0\nREADY=1").ready);
}

TEST(NotifyDatagram, UnknownAndIgnoredKeys) {
  const auto m = parse_notify_datagram(
      "EXTEND_TIMEOUT_USEC=5000000\nRELOADING=1\nMONOTONIC_USEC=1\nERRNO=2\nFDSTORE=1\n"
      "X_CUSTOM=whatever\nlowercase_key=1\nREADY=1");
  EXPECT_FALSE(m.malformed);
  EXPECT_TRUE(m.ready);
}

TEST(NotifyDatagram, InvalidMainpidIsIgnoredNotMalformed) {
  for (const char* text : {"MAINPID=", "MAINPID=0", "MAINPID=-5", "MAINPID=12x", "MAINPID=abc",
                           "MAINPID=99999999999999999999", "MAINPID= 12"}) {
    const auto m = parse_notify_datagram(text);
    EXPECT_FALSE(m.malformed) << text;
    EXPECT_FALSE(m.mainpid) << text;
  }
}

TEST(NotifyDatagram, BlankLinesAreAllowed) {
  const auto m = parse_notify_datagram("\nREADY=1\n\nSTATUS=x\n\n");
  EXPECT_FALSE(m.malformed);
  EXPECT_TRUE(m.ready);
}

TEST(NotifyDatagram, EmptyDatagramIsMalformed) {
  EXPECT_TRUE(parse_notify_datagram("").malformed);
}

TEST(NotifyDatagram, LineWithoutAssignmentMakesTheWholeDatagramMalformed) {
  const auto m = parse_notify_datagram("READY=1\nhello\nSTATUS=x");
  EXPECT_TRUE(m.malformed);
  EXPECT_FALSE(m.ready);  // nothing of a malformed datagram is applied
  EXPECT_FALSE(m.status);
  EXPECT_TRUE(parse_notify_datagram("garbage").malformed);
  EXPECT_TRUE(parse_notify_datagram("=1").malformed);
  EXPECT_TRUE(parse_notify_datagram("READY 1").malformed);
  EXPECT_TRUE(parse_notify_datagram("REA-DY=1").malformed);
}

TEST(NotifyDatagram, EmbeddedNulIsMalformed) {
  EXPECT_TRUE(parse_notify_datagram("READY=1\0STATUS=x"s).malformed);
  EXPECT_TRUE(parse_notify_datagram("STATUS=a\0b"s).malformed);
}

TEST(NotifyDatagram, SizeLimit) {
  const std::string prefix = "STATUS=";
  const std::string at_limit = prefix + std::string(kMaxNotifyDatagram - prefix.size(), 'x');
  ASSERT_EQ(at_limit.size(), kMaxNotifyDatagram);
  const auto ok = parse_notify_datagram(at_limit);
  EXPECT_FALSE(ok.malformed);
  EXPECT_EQ(ok.status->size(), kMaxNotifyDatagram - prefix.size());
  EXPECT_TRUE(parse_notify_datagram(at_limit + "x").malformed);
}

}  // namespace
}  // namespace graced::notify
