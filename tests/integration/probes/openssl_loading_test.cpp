// OpenSSL is loaded only when the configuration needs it (probes/common/
// openssl_library.hpp): an https URL, Basic auth credentials in an http URL, a postgres
// check with a password. The real binary's memory map shows it absent otherwise, and
// where it cannot be loaded, what needs it is a configuration error naming the file,
// line and key, while everything else goes on working.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "harness/graced_process.hpp"
#include "harness/shared_libraries.hpp"

namespace graced {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Port 1 on loopback: nothing listens, so the checks fail fast and never matter here.
std::string http_check(const std::string& url) {
  return "[[checks]]\nname = \"web\"\ntype = \"http\"\nurl = \"" + url + "\"\n";
}
std::string postgres_check(const std::string& url) {
  return "[[checks]]\nname = \"db\"\ntype = \"postgres\"\nurl = \"" + url + "\"\n";
}
const std::string kNeedsNoOpenSsl =
    "[[checks]]\nname = \"port\"\ntype = \"tcp\"\naddress = \"127.0.0.1:1\"\n" +
    http_check("http://127.0.0.1:1/healthz") + postgres_check("postgresql://u@127.0.0.1:1/d") +
    "[[hooks]]\nname = \"drain\"\nphase = \"pre-stop\"\nhttp = \"http://127.0.0.1:1/drain\"\n";

bool maps_openssl(const std::string& maps) {
  return maps.find("libssl") != std::string::npos || maps.find("libcrypto") != std::string::npos;
}

TEST(OpenSslLoading, AConfigurationWithoutTlsOrPasswordsNeverLoadsOpenSsl) {
  const std::string maps = test::maps_of_running_graced(kNeedsNoOpenSsl);
  ASSERT_THAT(maps, HasSubstr("libc.so"));  // the map was read
  EXPECT_FALSE(maps_openssl(maps)) << maps;
}

TEST(OpenSslLoading, AnHttpsUrlLoadsItWhenTheConfigurationIsRead) {
  EXPECT_THAT(test::maps_of_running_graced(http_check("https://127.0.0.1:1/healthz")),
              HasSubstr("libssl.so.3"));
}

TEST(OpenSslLoading, BasicAuthCredentialsLoadIt) {
  EXPECT_THAT(test::maps_of_running_graced(http_check("http://me:secret@127.0.0.1:1/healthz")),
              HasSubstr("libcrypto.so.3"));
}

TEST(OpenSslLoading, CredentialsAnAuthorizationHeaderReplacesDoNotLoadIt) {
  const std::string maps =
      test::maps_of_running_graced(http_check("http://me:secret@127.0.0.1:1/healthz") +
                                   "headers = { Authorization = \"Bearer token\" }\n");
  ASSERT_THAT(maps, HasSubstr("libc.so"));
  EXPECT_FALSE(maps_openssl(maps)) << maps;
}

TEST(OpenSslLoading, APostgresPasswordLoadsIt) {
  EXPECT_THAT(test::maps_of_running_graced(
                  postgres_check("postgresql://u:pw@127.0.0.1:1/d?sslmode=disable")),
              HasSubstr("libcrypto.so.3"));
}

// libssl replaced by an empty file in a mount namespace of graced's own, as in an image
// without the libssl3 package.
test::RunResult check_config_without_openssl(const std::string& config) {
  const std::string libssl = test::shared_library_file("libssl.so.3");
  EXPECT_FALSE(libssl.empty()) << "libssl3 is installed by scripts/install-deps";
  return test::run_graced({.args = {"check-config"},
                           .config = config,
                           .launcher = test::launcher_without_file(libssl)});
}

TEST(OpenSslLoading, WithoutOpenSslAnHttpsCheckIsAConfigurationErrorAtItsLine) {
  const auto r = check_config_without_openssl(http_check("https://127.0.0.1:1/healthz"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(":4: checks[0].url: needs OpenSSL, which cannot be loaded ("));
  EXPECT_THAT(r.err, HasSubstr("install the libssl3 package"));
}

TEST(OpenSslLoading, WithoutOpenSslAnHttpsHookIsAConfigurationErrorAtItsLine) {
  const auto r = check_config_without_openssl(
      "[[hooks]]\nname = \"drain\"\nphase = \"pre-stop\"\nhttp = \"https://127.0.0.1:1/x\"\n");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(":4: hooks[0].http: needs OpenSSL"));
}

TEST(OpenSslLoading, WithoutOpenSslAPostgresPasswordIsAConfigurationError) {
  const auto r = check_config_without_openssl(postgres_check("postgresql://u:pw@127.0.0.1:1/d"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr(":4: checks[0].url: needs OpenSSL"));
  EXPECT_THAT(r.err, Not(HasSubstr("pw@")));  // the password stays out of the message
}

TEST(OpenSslLoading, WithoutOpenSslEverythingElseIsAccepted) {
  const auto r = check_config_without_openssl(kNeedsNoOpenSsl);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(OpenSslLoading, WithoutOpenSslTheProbeCommandSaysWhyForAnHttpsUrl) {
  const std::string libssl = test::shared_library_file("libssl.so.3");
  const auto r = test::run_graced({.args = {"probe", "http", "https://127.0.0.1:1/healthz"},
                                   .launcher = test::launcher_without_file(libssl)});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.out + r.err, HasSubstr("needs OpenSSL, which cannot be loaded"));
}

}  // namespace
}  // namespace graced
