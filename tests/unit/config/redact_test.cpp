#include "config/redact.hpp"

#include <gtest/gtest.h>

#include <string>

namespace graced::config {
namespace {

TEST(RedactKey, RecognisesKeysNamedLikeSecrets) {
  for (const char* key : {"password",
                          "db_password",
                          "DB_PASSWORD",
                          "PGPASSWORD",
                          "passwd",
                          "pass",
                          "pwd",
                          "API_KEY",
                          "api_key",
                          "apiKey",
                          "apikey",
                          "x-api-key",
                          "private_key",
                          "token",
                          "access_token",
                          "GITHUB_TOKEN",
                          "secret",
                          "client_secret",
                          "AWS_SECRET_ACCESS_KEY",
                          "Authorization",
                          "authorization",
                          "Cookie",
                          "set-cookie",
                          "credentials",
                          "passphrase",
                          "sslpassword"}) {
    EXPECT_TRUE(is_secret_key(key)) << key;
  }
}

TEST(RedactKey, LeavesOrdinaryKeysAlone) {
  for (const char* key : {"keepalive", "monkey", "probes", "host", "port", "user", "username",
                          "dbname", "path", "interval", "keys", "bypass", "compass", "author",
                          "workdir", "sslmode", "LANG", "HOME", "PATH"}) {
    EXPECT_FALSE(is_secret_key(key)) << key;
  }
}

TEST(RedactValue, RemovesThePasswordFromAUrl) {
  EXPECT_EQ(redact_value("postgres://u:pw@h:5432/db"), "postgres://u:<redacted>@h:5432/db");
  EXPECT_EQ(redact_value("redis://:pw@h"), "redis://:<redacted>@h");
  EXPECT_EQ(redact_value("redis://:pw@h:6379/0"), "redis://:<redacted>@h:6379/0");
  EXPECT_EQ(redact_value("https://user:s3cr3t@example.com/path?q=1#f"),
            "https://user:<redacted>@example.com/path?q=1#f");
}

TEST(RedactValue, PasswordContainingAtSignIsRedactedWhole) {
  EXPECT_EQ(redact_value("postgres://u:p@ss@h/db"), "postgres://u:<redacted>@h/db");
}

TEST(RedactValue, UrlWithoutPasswordIsUnchanged) {
  for (const char* url :
       {"postgres://u@h:5432/db", "https://h:8443/path", "http://h/p?x=a@b:c",
        "tcp://127.0.0.1:6379", "http://example.com/a=b", "mailto:someone@example.com"}) {
    EXPECT_EQ(redact_value(url), url);
  }
}

TEST(RedactValue, RemovesLibpqPasswords) {
  EXPECT_EQ(redact_value("host=h port=5432 password=pw dbname=d"),
            "host=h port=5432 password=<redacted> dbname=d");
  EXPECT_EQ(redact_value("password=pw"), "password=<redacted>");
  EXPECT_EQ(redact_value("user=u password=a sslpassword=b"),
            "user=u password=<redacted> sslpassword=<redacted>");
}

TEST(RedactValue, RemovesQuotedAndSpacedLibpqPasswords) {
  EXPECT_EQ(redact_value("password='p w' host=h"), "password=<redacted> host=h");
  EXPECT_EQ(redact_value(R"(host=h password='it\'s me' dbname=d)"),
            "host=h password=<redacted> dbname=d");
  EXPECT_EQ(redact_value("host=h password = pw dbname=d"), "host=h password = <redacted> dbname=d");
  EXPECT_EQ(redact_value("password='unterminated"), "password=<redacted>");
}

TEST(RedactValue, RemovesSecretQueryParameters) {
  EXPECT_EQ(redact_value("https://api/x?token=abc&page=2"),
            "https://api/x?token=<redacted>&page=2");
  EXPECT_EQ(redact_value("https://api/x?page=2&access_token=abc"),
            "https://api/x?page=2&access_token=<redacted>");
  EXPECT_EQ(redact_value("https://api/x?apikey=abc#top"), "https://api/x?apikey=<redacted>#top");
  EXPECT_EQ(redact_value("https://u:pw@api/x?token=abc"),
            "https://u:<redacted>@api/x?token=<redacted>");
}

TEST(RedactValue, RemovesSecretsFromCommandLineFlags) {
  EXPECT_EQ(redact_value("--password=hunter2"), "--password=<redacted>");
  EXPECT_EQ(redact_value("--api-key=abc"), "--api-key=<redacted>");
}

TEST(RedactValue, LeavesOrdinaryAssignmentsAlone) {
  EXPECT_EQ(redact_value("keepalive=5 monkey=3"), "keepalive=5 monkey=3");
  EXPECT_EQ(redact_value("host=h port=5432"), "host=h port=5432");
  EXPECT_EQ(redact_value("a==b"), "a==b");
  EXPECT_EQ(redact_value("x="), "x=");
  EXPECT_EQ(redact_value("="), "=");
  EXPECT_EQ(redact_value(""), "");
}

TEST(RedactValue, EmptySecretHasNothingToHide) {
  EXPECT_EQ(redact_value("https://api/x?token=&page=2"), "https://api/x?token=&page=2");
  EXPECT_EQ(redact_value("password="), "password=");
}

TEST(RedactValue, FollowsLibpqInTakingTheWordAfterEqualsAndSpaces) {
  // libpq skips blanks after '=', so here "host=h" is the password.
  EXPECT_EQ(redact_value("password= host=h"), "password= <redacted>");
}

TEST(RedactForKey, HidesTheWholeValueOfASecretKey) {
  EXPECT_EQ(redact_for_key("DB_PASSWORD", "hunter2"), "<redacted>");
  EXPECT_EQ(redact_for_key("apiKey", "abc"), "<redacted>");
  EXPECT_EQ(redact_for_key("Authorization", "Bearer abc"), "<redacted>");
  EXPECT_EQ(redact_for_key("token", ""), "");
}

TEST(RedactForKey, RedactsContentOfOtherKeys) {
  EXPECT_EQ(redact_for_key("DATABASE_URL", "postgres://u:pw@h/db"), "postgres://u:<redacted>@h/db");
  EXPECT_EQ(redact_for_key("keepalive", "30s"), "30s");
}

}  // namespace
}  // namespace graced::config
