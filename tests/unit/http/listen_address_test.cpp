#include "http/listen_address.hpp"

#include <gtest/gtest.h>

namespace graced::http {
namespace {

TEST(HttpListenAddress, AcceptsIpv4AndBracketedIpv6WithPort) {
  ListenAddress a;
  ASSERT_FALSE(parse_listen_address("0.0.0.0:8558", &a));
  EXPECT_EQ(a.host, "0.0.0.0");
  EXPECT_EQ(a.port, 8558);
  EXPECT_FALSE(a.ipv6);
  EXPECT_EQ(a.to_string(), "0.0.0.0:8558");

  ASSERT_FALSE(parse_listen_address("127.0.0.1:0", &a));
  EXPECT_EQ(a.port, 0);

  ASSERT_FALSE(parse_listen_address("[::]:8558", &a));
  EXPECT_EQ(a.host, "::");
  EXPECT_TRUE(a.ipv6);
  EXPECT_EQ(a.to_string(), "[::]:8558");

  ASSERT_FALSE(parse_listen_address("[::1]:65535", &a));
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, 65535);
}

TEST(HttpListenAddress, RejectsBadInputWithAMessageNamingIt) {
  for (const char* bad : {"",
                          "8558",
                          ":8558",
                          "0.0.0.0",
                          "0.0.0.0:",
                          "0.0.0.0:65536",
                          "0.0.0.0:-1",
                          "0.0.0.0:80x",
                          "0.0.0.0:099999",
                          "localhost:8558",
                          "1.2.3:80",
                          "256.1.1.1:80",
                          "::1:80",
                          "[::1]",
                          "[::1]80",
                          "[::1:80",
                          "[localhost]:80",
                          "[127.0.0.1]:80",
                          "[fe80::1%eth0]:80",
                          "[]:80"}) {
    auto error = parse_listen_address(bad);
    ASSERT_TRUE(error) << "accepted \"" << bad << "\"";
    if (*bad != '\0') {
      EXPECT_NE(error->find(bad), std::string::npos) << *error;
    }
  }
  EXPECT_NE(parse_listen_address("localhost:8558")->find("not resolved"), std::string::npos);
  EXPECT_NE(parse_listen_address("::1:80")->find("brackets"), std::string::npos);
  EXPECT_NE(parse_listen_address("0.0.0.0:65536")->find("0 to 65535"), std::string::npos);
}

TEST(HttpListenAddress, LeavesOutputUntouchedOnError) {
  ListenAddress a;
  a.host = "kept";
  ASSERT_TRUE(parse_listen_address("nope", &a));
  EXPECT_EQ(a.host, "kept");
}

}  // namespace
}  // namespace graced::http
