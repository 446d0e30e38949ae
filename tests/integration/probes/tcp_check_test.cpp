// The tcp check kind against real loopback listeners and a real (loopback) DNS server:
// connect, refuse, resolve (hosts file and DNS), IPv6, trying each address in turn, and
// attempts abandoned mid-connect and mid-resolution.
#include "probes/tcp/tcp_check.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/ports.hpp"
#include "net_check_fixture.hpp"
#include "peers/dns_peer.hpp"
#include "peers/tcp_peer.hpp"

namespace graced::probes {
namespace {

using namespace std::chrono_literals;
using test::TcpListener;
using ::testing::HasSubstr;

class TcpCheckTest : public NetCheckTest {
 protected:
  CheckResult attempt(const std::string& address) {
    return NetCheckTest::attempt("tcp", "address = \"" + address + "\"");
  }
  Check& make(const std::string& address) {
    return NetCheckTest::make("tcp", "address = \"" + address + "\"");
  }
};

TEST_F(TcpCheckTest, KindIsRegisteredAsADependency) {
  const CheckKind* kind = find_check_kind("tcp");
  ASSERT_NE(kind, nullptr);
  EXPECT_TRUE(kind->is_dependency());
}

TEST_F(TcpCheckTest, PassesAgainstAListenerAndClosesAtOnce) {
  TcpListener listener;
  const auto r = attempt(listener.address());
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "connected to " + listener.address());
  EXPECT_TRUE(listener.next_connection_closed_by_peer(5s));
}

TEST_F(TcpCheckTest, ClosedPortFailsWithConnectionRefused) {
  const auto r = attempt("127.0.0.1:" + std::to_string(test::free_port()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "connection refused");
}

TEST_F(TcpCheckTest, RunsAgainAfterAnAttempt) {
  TcpListener listener;
  Check& check = make(listener.address());
  for (int i = 0; i < 3; ++i) {
    start(check);
    run_until_result(10s);
    ASSERT_TRUE(result_.has_value());
    EXPECT_TRUE(result_->ok) << result_->message;
    EXPECT_EQ(calls_, 1);
    // The listener's queue holds one connection: take each one off it.
    EXPECT_TRUE(listener.next_connection_closed_by_peer(5s));
  }
}

TEST_F(TcpCheckTest, ResolvesLocalhostFromTheHostsFile) {
  TcpListener listener;
  const auto r = attempt("localhost:" + std::to_string(listener.port()));
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "connected to 127.0.0.1:" + std::to_string(listener.port()));
}

TEST_F(TcpCheckTest, ConnectsToAnIpv6Literal) {
  TcpListener listener(TcpListener::Family::ipv6);
  const auto r = attempt("[::1]:" + std::to_string(listener.port()));
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "connected to [::1]:" + std::to_string(listener.port()));
}

TEST_F(TcpCheckTest, UnknownNameFailsWithNoSuchHost) {
  test::DnsPeer dns({});
  set_dns_servers(dns.server());
  const auto r = attempt("nosuch.graced.test:80");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "no such host \"nosuch.graced.test\"");
  EXPECT_THAT(dns.queries(), HasSubstr("nosuch.graced.test"));
}

TEST_F(TcpCheckTest, ResolvesThroughDnsAndTriesEachAddressInTurn) {
  // The name has an IPv4 and an IPv6 address; only one of them listens each time, so
  // whichever order the resolver prefers, one of the two runs must skip a refusing address.
  test::DnsPeer dns({{"both.graced.test", {"127.0.0.1", "::1"}}});
  set_dns_servers(dns.server());
  {
    TcpListener v4;
    const auto r = attempt("both.graced.test:" + std::to_string(v4.port()));
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_EQ(r.message, "connected to 127.0.0.1:" + std::to_string(v4.port()));
  }
  {
    TcpListener v6(TcpListener::Family::ipv6);
    const auto r = attempt("both.graced.test:" + std::to_string(v6.port()));
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_EQ(r.message, "connected to [::1]:" + std::to_string(v6.port()));
  }
  EXPECT_THAT(dns.queries(), HasSubstr("AAAA both.graced.test"));
}

TEST_F(TcpCheckTest, EveryAddressRefusedFailsNamingHowManyWereTried) {
  test::DnsPeer dns({{"both.graced.test", {"127.0.0.1", "::1"}}});
  set_dns_servers(dns.server());
  const auto r = attempt("both.graced.test:" + std::to_string(test::free_port()));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "connection refused (tried 2 addresses)");
}

TEST_F(TcpCheckTest, ConnectToAFullBacklogHangsUntilCancelled) {
  TcpListener listener;
  listener.fill_backlog();
  Check& check = make(listener.address());
  start(check);
  run_for(300ms);
  EXPECT_FALSE(result_.has_value()) << result_->message;
  check.cancel();
  check_.reset();  // destroyed right after cancel(): late callbacks must not reach it
  run_for(100ms);
  EXPECT_EQ(calls_, 0);
}

TEST_F(TcpCheckTest, CancelBeforeTheConnectCompletesIsClean) {
  TcpListener listener;
  Check& check = make(listener.address());
  start(check);  // uv_tcp_connect is in flight; the loop has not run yet
  check.cancel();
  check_.reset();
  run_for(100ms);
  EXPECT_EQ(calls_, 0);
}

TEST_F(TcpCheckTest, CancelDuringResolutionIsClean) {
  test::DnsPeer dns({}, {"slow.graced.test"});
  set_dns_servers(dns.server());
  Check& check = make("slow.graced.test:80");
  start(check);
  const auto deadline = Clock::now() + 5s;
  while (dns.queries().find("slow.graced.test") == std::string::npos && Clock::now() < deadline)
    run_for(20ms);
  ASSERT_THAT(dns.queries(), HasSubstr("slow.graced.test"));
  EXPECT_FALSE(result_.has_value());
  check.cancel();
  check_.reset();
  run_for(100ms);
  EXPECT_EQ(calls_, 0);
}

TEST_F(TcpCheckTest, CancelWhenIdleIsHarmless) {
  TcpListener listener;
  Check& check = make(listener.address());
  check.cancel();
  start(check);
  run_until_result(10s);
  ASSERT_TRUE(result_.has_value());
  EXPECT_TRUE(result_->ok) << result_->message;
  check.cancel();
}

TEST_F(TcpCheckTest, CheckMayBeDestroyedFromItsOwnDoneCallback) {
  TcpListener listener;
  Check& check = make(listener.address());
  check.start([this](CheckResult r) {
    ++calls_;
    result_ = std::move(r);
    check_.reset();
  });
  run_until_result(10s);
  EXPECT_EQ(calls_, 1);
  EXPECT_TRUE(result_ && result_->ok);
}

TEST_F(TcpCheckTest, AddressErrorsAreReportedAtParseTime) {
  EXPECT_THAT(errors("tcp", ""), HasSubstr("needs an address"));
  EXPECT_THAT(errors("tcp", "address = \"db\""), HasSubstr("missing port in \"db\""));
  EXPECT_THAT(errors("tcp", "address = \"db:0\""), HasSubstr("\"0\" is not a port"));
  EXPECT_THAT(errors("tcp", "address = \"db:65536\""), HasSubstr("is not a port"));
  EXPECT_THAT(errors("tcp", "address = \"::1:6379\""), HasSubstr("in brackets"));
  EXPECT_THAT(errors("tcp", "address = \"[::1:6379\""), HasSubstr("missing \"]\""));
  EXPECT_THAT(errors("tcp", "address = \"bad host:1\""), HasSubstr("not a valid host name"));
  EXPECT_THAT(errors("tcp", "address = 5432"), HasSubstr("expected a string"));
  EXPECT_EQ(errors("tcp", "address = \"[::1]:6379\""), "");
}

TEST_F(TcpCheckTest, CheckConfigShowsTheAddress) {
  EXPECT_THAT(emitted("tcp", "address = \"db:5432\""), HasSubstr("address = 'db:5432'"));
}

}  // namespace
}  // namespace graced::probes
