#include "lifecycle/cidr.hpp"

#include <gtest/gtest.h>

namespace graced {
namespace {

std::vector<Cidr> nets(std::initializer_list<const char*> list) {
  std::vector<Cidr> out;
  for (const char* s : list) {
    auto c = parse_cidr(s);
    EXPECT_TRUE(c.has_value()) << s;
    if (c) out.push_back(*c);
  }
  return out;
}

TEST(Cidr, ParsesNetworksAndRejectsNonsense) {
  EXPECT_TRUE(parse_cidr("10.0.0.0/8"));
  EXPECT_TRUE(parse_cidr("::1/128"));
  EXPECT_TRUE(parse_cidr("192.168.1.7"));
  EXPECT_FALSE(parse_cidr("10.0.0.0/33"));
  EXPECT_FALSE(parse_cidr("::/129"));
  EXPECT_FALSE(parse_cidr("10.0.0/8"));
  EXPECT_FALSE(parse_cidr("10.0.0.0/"));
  EXPECT_FALSE(parse_cidr("example.com/8"));
}

TEST(Cidr, MatchesByPrefix) {
  auto allow = nets({"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "fc00::/7", "::1/128"});
  EXPECT_TRUE(address_allowed("127.0.0.1", allow));
  EXPECT_TRUE(address_allowed("127.255.1.2", allow));
  EXPECT_TRUE(address_allowed("10.42.0.7", allow));
  EXPECT_TRUE(address_allowed("172.31.255.255", allow));
  EXPECT_FALSE(address_allowed("172.32.0.1", allow));
  EXPECT_FALSE(address_allowed("8.8.8.8", allow));
  EXPECT_TRUE(address_allowed("::1", allow));
  EXPECT_TRUE(address_allowed("fd12:3456::1", allow));
  EXPECT_FALSE(address_allowed("2001:db8::1", allow));
  EXPECT_FALSE(address_allowed("not-an-ip", allow));
}

TEST(Cidr, Ipv4MappedAddressesMatchIpv4Networks) {
  auto allow = nets({"10.0.0.0/8"});
  EXPECT_TRUE(address_allowed("::ffff:10.1.2.3", allow));
  EXPECT_FALSE(address_allowed("::ffff:11.1.2.3", allow));
}

TEST(Cidr, OddPrefixLengths) {
  auto allow = nets({"192.168.4.0/22"});
  EXPECT_TRUE(address_allowed("192.168.7.255", allow));
  EXPECT_FALSE(address_allowed("192.168.8.0", allow));
  EXPECT_FALSE(address_allowed("192.168.3.255", allow));
}

}  // namespace
}  // namespace graced
