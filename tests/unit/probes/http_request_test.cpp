// The bytes the http check sends.
#include "probes/http/request.hpp"

#include <gtest/gtest.h>

namespace graced::probes {
namespace {

Url url(std::string_view text) {
  std::string error;
  return parse_url(text, error).value();
}

TEST(HttpRequestTest, DefaultHeaders) {
  EXPECT_EQ(build_request("GET", url("http://h:8080/healthz?x=1"), {}),
            "GET /healthz?x=1 HTTP/1.1\r\n"
            "Host: h:8080\r\n"
            "User-Agent: " +
                user_agent() +
                "\r\n"
                "Connection: close\r\n\r\n");
  EXPECT_EQ(user_agent().rfind("graced/", 0), 0u);
}

TEST(HttpRequestTest, ConfiguredHeadersReplaceDefaults) {
  const std::string r = build_request("GET", url("http://u:p@h/"),
                                      {{"host", "virtual.example"}, {"Authorization", "Bearer t"}});
  EXPECT_EQ(r.find("Host: h"), std::string::npos);
  EXPECT_NE(r.find("host: virtual.example\r\n"), std::string::npos);
  EXPECT_EQ(r.find("Basic"), std::string::npos);
  EXPECT_NE(r.find("Authorization: Bearer t\r\n"), std::string::npos);
}

TEST(HttpRequestTest, UrlCredentialsBecomeBasicAuth) {
  // base64("Aladdin:open sesame"), the RFC 7617 example.
  const std::string r = build_request("GET", url("http://Aladdin:open%20sesame@h/"), {});
  EXPECT_NE(r.find("Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"), std::string::npos);
}

TEST(HttpRequestTest, BodylessPostCarriesALength) {
  const std::string r = build_request("POST", url("http://h/"), {});
  EXPECT_EQ(r.rfind("POST / HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(r.find("Content-Length: 0\r\n"), std::string::npos);
  EXPECT_EQ(build_request("GET", url("http://h/"), {}).find("Content-Length"), std::string::npos);
}

TEST(HttpRequestTest, ReservedHeaders) {
  EXPECT_TRUE(is_reserved_header("connection"));
  EXPECT_TRUE(is_reserved_header("Content-Length"));
  EXPECT_TRUE(is_reserved_header("TRANSFER-ENCODING"));
  EXPECT_FALSE(is_reserved_header("Host"));
  EXPECT_FALSE(is_reserved_header("Connection-Id"));
}

}  // namespace
}  // namespace graced::probes
