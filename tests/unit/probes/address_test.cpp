// host:port parsing and formatting shared by the network check kinds.
#include "probes/common/address.hpp"

#include <gtest/gtest.h>

namespace graced::probes {
namespace {

std::optional<HostPort> parse(std::string_view text, std::optional<std::uint16_t> def = {}) {
  std::string error;
  auto out = parse_host_port(text, error, def);
  EXPECT_EQ(out.has_value(), error.empty()) << error;
  return out;
}

std::string error_of(std::string_view text, std::optional<std::uint16_t> def = {}) {
  std::string error;
  EXPECT_FALSE(parse_host_port(text, error, def).has_value()) << text;
  return error;
}

TEST(AddressTest, NameAndPort) {
  auto a = parse("db.internal:5432");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "db.internal");
  EXPECT_EQ(a->port, 5432);
}

TEST(AddressTest, Ipv4AndBracketedIpv6) {
  auto v4 = parse("127.0.0.1:1");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 1);
  auto v6 = parse("[::1]:6379");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 6379);
  auto full = parse("[2001:db8::42]:65535");
  ASSERT_TRUE(full);
  EXPECT_EQ(full->host, "2001:db8::42");
  EXPECT_EQ(full->port, 65535);
}

TEST(AddressTest, DefaultPortOnlyWhenGiven) {
  EXPECT_EQ(error_of("db"), "missing port in \"db\" (use host:port)");
  auto a = parse("db", 80);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->port, 80);
  auto v6 = parse("[::1]", 443);
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 443);
  // An explicit port wins.
  EXPECT_EQ(parse("db:8080", 80)->port, 8080);
}

TEST(AddressTest, BadPorts) {
  EXPECT_EQ(error_of("db:0"), "\"0\" is not a port (1-65535)");
  EXPECT_EQ(error_of("db:65536"), "\"65536\" is not a port (1-65535)");
  EXPECT_EQ(error_of("db:"), "\"\" is not a port (1-65535)");
  EXPECT_EQ(error_of("db:http"), "\"http\" is not a port (1-65535)");
  EXPECT_EQ(error_of("db:-1"), "\"-1\" is not a port (1-65535)");
  EXPECT_EQ(error_of("db:+80"), "\"+80\" is not a port (1-65535)");
  EXPECT_EQ(error_of("[::1]:"), "\"\" is not a port (1-65535)");
}

TEST(AddressTest, BadHosts) {
  EXPECT_EQ(error_of(":80"), "missing host in \":80\"");
  EXPECT_EQ(error_of(""), "missing host in \"\"");
  EXPECT_EQ(error_of("bad host:80"), "\"bad host\" is not a valid host name");
  EXPECT_EQ(error_of("::1:6379"),
            "write IPv6 addresses in brackets, e.g. \"[::1]:6379\" (got \"::1:6379\")");
  EXPECT_EQ(error_of("[::1:6379"), "missing \"]\" in \"[::1:6379\"");
  EXPECT_EQ(error_of("[db]:80"), "\"db\" is not an IPv6 address");
  EXPECT_EQ(error_of("[::1]6379"), "expected \":port\" after \"]\" in \"[::1]6379\"");
}

TEST(AddressTest, Formatting) {
  EXPECT_EQ(format_host_port("db", 5432), "db:5432");
  EXPECT_EQ(format_host_port("::1", 6379), "[::1]:6379");
  EXPECT_EQ(format_socket_address(*ip_socket_address("127.0.0.1", 80)), "127.0.0.1:80");
  EXPECT_EQ(format_socket_address(*ip_socket_address("::1", 443)), "[::1]:443");
}

TEST(AddressTest, IpLiteralsNeedNoResolution) {
  EXPECT_TRUE(is_ip_literal("10.0.0.1"));
  EXPECT_TRUE(is_ip_literal("::1"));
  EXPECT_TRUE(is_ipv6_literal("fe80::1"));
  EXPECT_FALSE(is_ip_literal("localhost"));
  EXPECT_FALSE(is_ip_literal("10.0.0"));
  EXPECT_FALSE(ip_socket_address("db", 80).has_value());
}

}  // namespace
}  // namespace graced::probes
