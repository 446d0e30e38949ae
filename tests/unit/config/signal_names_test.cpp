#include "config/signal_names.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace graced::config {
namespace {

TEST(SignalParse, AcceptsFullShortAndLowerCaseNames) {
  EXPECT_EQ(parse_signal("SIGTERM"), SIGTERM);
  EXPECT_EQ(parse_signal("TERM"), SIGTERM);
  EXPECT_EQ(parse_signal("term"), SIGTERM);
  EXPECT_EQ(parse_signal("sigterm"), SIGTERM);
  EXPECT_EQ(parse_signal("SigHup"), SIGHUP);
  EXPECT_EQ(parse_signal("SIGUSR1"), SIGUSR1);
  EXPECT_EQ(parse_signal("WINCH"), SIGWINCH);
  EXPECT_EQ(parse_signal("SIGKILL"), SIGKILL);
}

TEST(SignalParse, AcceptsAliases) {
  EXPECT_EQ(parse_signal("SIGIOT"), SIGABRT);
  EXPECT_EQ(parse_signal("SIGCLD"), SIGCHLD);
  EXPECT_EQ(parse_signal("POLL"), SIGIO);
}

TEST(SignalParse, AcceptsNumbersInRange) {
  EXPECT_EQ(parse_signal("15"), 15);
  EXPECT_EQ(parse_signal("1"), 1);
  EXPECT_EQ(parse_signal("9"), SIGKILL);
  EXPECT_EQ(parse_signal(std::to_string(SIGRTMAX)), SIGRTMAX);
}

TEST(SignalParse, RejectsNumbersOutOfRange) {
  EXPECT_EQ(parse_signal("0"), std::nullopt);
  EXPECT_EQ(parse_signal(std::to_string(SIGRTMAX + 1)), std::nullopt);
  EXPECT_EQ(parse_signal("65"), std::nullopt);
  EXPECT_EQ(parse_signal("999"), std::nullopt);
  EXPECT_EQ(parse_signal("1000015"), std::nullopt);
  EXPECT_EQ(parse_signal("-15"), std::nullopt);
  EXPECT_EQ(parse_signal("+15"), std::nullopt);
}

TEST(SignalParse, AcceptsRealTimeSignals) {
  EXPECT_EQ(parse_signal("SIGRTMIN"), SIGRTMIN);
  EXPECT_EQ(parse_signal("SIGRTMIN+3"), SIGRTMIN + 3);
  EXPECT_EQ(parse_signal("rtmin+0"), SIGRTMIN);
  EXPECT_EQ(parse_signal("RTMAX"), SIGRTMAX);
  EXPECT_EQ(parse_signal("SIGRTMAX-2"), SIGRTMAX - 2);
}

TEST(SignalParse, RejectsRealTimeSignalsOutOfRange) {
  EXPECT_EQ(parse_signal("SIGRTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN + 1)), std::nullopt);
  EXPECT_EQ(parse_signal("SIGRTMIN-1"), std::nullopt);
  EXPECT_EQ(parse_signal("SIGRTMAX+1"), std::nullopt);
  EXPECT_EQ(parse_signal("SIGRTMIN+"), std::nullopt);
  EXPECT_EQ(parse_signal("SIGRTMIN+x"), std::nullopt);
  EXPECT_EQ(parse_signal("SIGRTMINUS"), std::nullopt);
}

TEST(SignalParse, RejectsUnknownNames) {
  for (const char* bad : {"", "SIG", "SIGFOO", "FOO", "SIGSIGTERM", "SIG TERM", " TERM", "TERM ",
                          "SIGTERM15", "TERMINATE", "sig-term"}) {
    EXPECT_EQ(parse_signal(bad), std::nullopt) << '"' << bad << '"';
  }
}

TEST(SignalName, GivesTheCanonicalName) {
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(SIGABRT), "SIGABRT");
  EXPECT_EQ(signal_name(SIGCHLD), "SIGCHLD");
  EXPECT_EQ(signal_name(SIGIO), "SIGIO");
  EXPECT_EQ(signal_name(SIGRTMIN), "SIGRTMIN");
  EXPECT_EQ(signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
}

TEST(SignalName, RoundTripsThroughParseForEverySignal) {
  for (int signo = 1; signo <= SIGRTMAX; ++signo) {
    const std::string name = signal_name(signo);
    EXPECT_EQ(parse_signal(name), signo) << name;
  }
}

TEST(SignalName, NamesSignalsWithoutANameByNumber) {
  // 32 and 33 are reserved by glibc below SIGRTMIN and have no name of their own.
  ASSERT_GT(SIGRTMIN, 32);
  EXPECT_EQ(signal_name(32), "SIG32");
  EXPECT_EQ(parse_signal("SIG32"), 32);
  EXPECT_EQ(parse_signal("sig15"), SIGTERM);
  EXPECT_EQ(parse_signal("SIG0"), std::nullopt);
  EXPECT_EQ(parse_signal("SIG65"), std::nullopt);
}

}  // namespace
}  // namespace graced::config
