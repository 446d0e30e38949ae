// http:// and https:// URLs for the http check.
#include "probes/http/url.hpp"

#include <gtest/gtest.h>

namespace graced::probes {
namespace {

Url parse(std::string_view text) {
  std::string error;
  auto url = parse_url(text, error);
  EXPECT_TRUE(url.has_value()) << text << ": " << error;
  return url.value_or(Url{});
}

std::string error_of(std::string_view text) {
  std::string error;
  EXPECT_FALSE(parse_url(text, error).has_value()) << text;
  return error;
}

TEST(UrlTest, PlainHttpWithDefaults) {
  Url u = parse("http://localhost");
  EXPECT_FALSE(u.https);
  EXPECT_EQ(u.host, "localhost");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.target, "/");
  EXPECT_EQ(u.authority(), "localhost");
  EXPECT_FALSE(u.has_credentials);
}

TEST(UrlTest, HttpsPortPathQueryAndFragment) {
  Url u = parse("HTTPS://api.example:8443/healthz?deep=1#frag");
  EXPECT_TRUE(u.https);
  EXPECT_EQ(u.host, "api.example");
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.target, "/healthz?deep=1");
  EXPECT_EQ(u.authority(), "api.example:8443");
  EXPECT_EQ(parse("https://h").port, 443);
  EXPECT_EQ(parse("http://h?x=1").target, "/?x=1");
  EXPECT_EQ(parse("http://h:80/").authority(), "h");
}

TEST(UrlTest, Ipv6Host) {
  Url u = parse("http://[::1]:8080/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.authority(), "[::1]:8080");
  EXPECT_EQ(parse("https://[::1]/").authority(), "[::1]");
}

TEST(UrlTest, CredentialsArePercentDecoded) {
  Url u = parse("http://us%65r:p%40ss:word@h/");
  EXPECT_TRUE(u.has_credentials);
  EXPECT_EQ(u.user, "user");
  EXPECT_EQ(u.password, "p@ss:word");
  EXPECT_EQ(u.host, "h");
  Url only_user = parse("http://token@h/");
  EXPECT_EQ(only_user.user, "token");
  EXPECT_EQ(only_user.password, "");
  // An '@' in the path is not userinfo.
  EXPECT_FALSE(parse("http://h/a@b").has_credentials);
}

TEST(UrlTest, Errors) {
  EXPECT_EQ(error_of("localhost:8080"),
            "\"localhost:8080\" is not a URL (e.g. \"http://localhost:8080/healthz\")");
  EXPECT_EQ(error_of("ftp://h/"), "unsupported scheme \"ftp\" (use http or https)");
  EXPECT_EQ(error_of("http:///x"), "missing host in URL");
  EXPECT_EQ(error_of("http://u:p@/x"), "missing host in URL");
  EXPECT_EQ(error_of("http://h:0/"), "bad URL host: \"0\" is not a port (1-65535)");
  EXPECT_EQ(error_of("http://::1/"),
            "bad URL host: write IPv6 addresses in brackets, e.g. \"[::1]:6379\" (got \"::1\")");
  EXPECT_EQ(error_of("http://h/a b"),
            "the URL's path contains spaces or control characters (percent-encode them)");
  EXPECT_EQ(error_of("http://u:%zz@h/"), "bad percent-encoding in the URL's user or password");
  EXPECT_EQ(error_of("http://u:%4@h/"), "bad percent-encoding in the URL's user or password");
}

}  // namespace
}  // namespace graced::probes
