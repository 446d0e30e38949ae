// The http check kind against a real python3 HTTP(S) server on loopback: status ranges,
// body matching, what the server actually receives, a server that never answers, and TLS
// with a self-signed certificate made by the openssl CLI.
#include "probes/http/http_check.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/ports.hpp"
#include "harness/temp_dir.hpp"
#include "net_check_fixture.hpp"
#include "peers/http_peer.hpp"
#include "peers/tcp_peer.hpp"
#include "version.hpp"

namespace graced::probes {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class HttpCheckTest : public NetCheckTest {
 protected:
  CheckResult get(const std::string& url, const std::string& more_keys = "") {
    return attempt("http", "url = \"" + url + "\"\n" + more_keys);
  }
};

TEST_F(HttpCheckTest, KindIsRegisteredAsADependency) {
  const CheckKind* kind = find_check_kind("http");
  ASSERT_NE(kind, nullptr);
  EXPECT_TRUE(kind->is_dependency());
}

TEST_F(HttpCheckTest, PassesOnA200AndSendsTheStandardHeaders) {
  test::HttpPeer server;
  const auto r = get(server.url("/healthz?x=1"));
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "HTTP 200");
  const std::string log = server.requests();
  EXPECT_THAT(log, StartsWith("GET /healthz?x=1 HTTP/1.1\n"));
  EXPECT_THAT(log, HasSubstr("Host: 127.0.0.1:" + std::to_string(server.port()) + "\n"));
  EXPECT_THAT(log, HasSubstr(std::string("User-Agent: graced/") + kVersion + "\n"));
  EXPECT_THAT(log, HasSubstr("Connection: close\n"));
  EXPECT_EQ(server.request_count(), 1);
}

TEST_F(HttpCheckTest, StatusOutsideTheDefaultRangeFails) {
  test::HttpPeer server;
  const auto r = get(server.url("/?status=503"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "HTTP 503 (expected 200-399)");
  EXPECT_TRUE(get(server.url("/?status=399")).ok);
  EXPECT_EQ(get(server.url("/?status=400")).message, "HTTP 400 (expected 200-399)");
}

TEST_F(HttpCheckTest, ExpectStatusListsAndRanges) {
  test::HttpPeer server;
  EXPECT_TRUE(get(server.url("/?status=204"), "expect_status = \"200,204\"").ok);
  EXPECT_EQ(get(server.url("/?status=201"), "expect_status = \"200,204\"").message,
            "HTTP 201 (expected 200,204)");
  EXPECT_TRUE(get(server.url("/?status=404"), "expect_status = \"200-299,404\"").ok);
  EXPECT_EQ(get(server.url("/?status=301"), "expect_status = \"200\"").message,
            "HTTP 301 (expected 200)");
  EXPECT_TRUE(get(server.url("/?status=503"), "expect_status = \"503\"").ok);
}

TEST_F(HttpCheckTest, ExpectBodyFoundAndMissing) {
  test::HttpPeer server;
  const auto hit = get(server.url("/?body=status:ready"), "expect_body = \"ready\"");
  EXPECT_TRUE(hit.ok) << hit.message;
  EXPECT_EQ(hit.message, "HTTP 200");
  const auto miss = get(server.url("/?body=status:starting"), "expect_body = \"ready\"");
  EXPECT_FALSE(miss.ok);
  EXPECT_EQ(miss.message, "body does not contain \"ready\"");
  // A wrong status is reported as such, body or not.
  EXPECT_EQ(get(server.url("/?status=500&body=ready"), "expect_body = \"ready\"").message,
            "HTTP 500 (expected 200-399)");
}

TEST_F(HttpCheckTest, ExpectBodyLooksAtTheFirst64KiBOnly) {
  test::HttpPeer server;
  // Spread over several reads, still inside the limit.
  EXPECT_TRUE(get(server.url("/?pad=40000&body=needle"), "expect_body = \"needle\"").ok);
  const auto beyond = get(server.url("/?pad=70000&body=needle"), "expect_body = \"needle\"");
  EXPECT_FALSE(beyond.ok);
  EXPECT_EQ(beyond.message, "body does not contain \"needle\"");
}

TEST_F(HttpCheckTest, CustomMethodAndHeadersReachTheServer) {
  test::HttpPeer server;
  const auto r = get(server.url("/probe"),
                     "method = \"POST\"\nheaders = { X-Probe = \"yes\", Authorization = \"Bearer "
                     "t0k\", Host = \"svc.internal\" }");
  EXPECT_TRUE(r.ok) << r.message;
  const std::string log = server.requests();
  EXPECT_THAT(log, StartsWith("POST /probe HTTP/1.1\n"));
  EXPECT_THAT(log, HasSubstr("X-Probe: yes\n"));
  EXPECT_THAT(log, HasSubstr("Authorization: Bearer t0k\n"));
  EXPECT_THAT(log, HasSubstr("Host: svc.internal\n"));
  EXPECT_THAT(log, Not(HasSubstr("Host: 127.0.0.1")));
  EXPECT_THAT(log, HasSubstr("Content-Length: 0\n"));
}

TEST_F(HttpCheckTest, HeadRequestIsJudgedByItsStatus) {
  test::HttpPeer server;
  EXPECT_TRUE(get(server.url("/"), "method = \"HEAD\"").ok);
  EXPECT_THAT(server.requests(), StartsWith("HEAD / HTTP/1.1\n"));
}

TEST_F(HttpCheckTest, UrlCredentialsAreSentAsBasicAuthAndNeverShown) {
  test::HttpPeer server;
  const std::string url =
      "http://probe:s3cr%40t@127.0.0.1:" + std::to_string(server.port()) + "/?status=503";
  const auto r = get(url);
  EXPECT_EQ(r.message, "HTTP 503 (expected 200-399)");
  // base64("probe:s3cr@t")
  EXPECT_THAT(server.requests(), HasSubstr("Authorization: Basic cHJvYmU6czNjckB0\n"));
  const std::string config = emitted("http", "url = \"" + url + "\"");
  EXPECT_THAT(config, Not(HasSubstr("s3cr")));
  EXPECT_THAT(config, HasSubstr("probe:<redacted>@127.0.0.1"));
  // Nor in a connection failure.
  const auto refused =
      get("http://probe:s3cr%40t@127.0.0.1:" + std::to_string(test::free_port()) + "/");
  EXPECT_EQ(refused.message, "connection refused");
}

TEST_F(HttpCheckTest, ConnectionRefused) {
  const auto r = get("http://127.0.0.1:" + std::to_string(test::free_port()) + "/");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "connection refused");
}

TEST_F(HttpCheckTest, ResolvesLocalhost) {
  test::HttpPeer server;
  const auto r = get("http://localhost:" + std::to_string(server.port()) + "/");
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_THAT(server.requests(), HasSubstr("Host: localhost:" + std::to_string(server.port())));
}

TEST_F(HttpCheckTest, ServerClosingWithoutAnAnswerFails) {
  test::HttpPeer server;
  const auto r = get(server.url("/?close=1"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "connection closed before the HTTP response");
}

TEST_F(HttpCheckTest, SomethingElseThanHttpIsABadResponse) {
  test::TcpListener listener;
  listener.reply_to_next_connection("SSH-2.0-OpenSSH_9.2\r\n");
  const auto r = get("http://" + listener.address() + "/");
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.message, StartsWith("bad HTTP response: "));
}

TEST_F(HttpCheckTest, SlowAnswerIsWaitedFor) {
  test::HttpPeer server;
  const auto started = Clock::now();
  EXPECT_TRUE(get(server.url("/?delay_ms=300")).ok);
  EXPECT_GE(Clock::now() - started, 300ms);
}

TEST_F(HttpCheckTest, ServerThatNeverAnswersKeepsTheAttemptRunningUntilCancelled) {
  test::HttpPeer server;
  Check& check = make("http", "url = \"" + server.url("/?hang=1") + "\"");
  start(check);
  const auto deadline = Clock::now() + 10s;
  while (server.request_count() == 0 && Clock::now() < deadline)
    run_for(20ms);
  ASSERT_EQ(server.request_count(), 1) << "the request never reached the server";
  run_for(300ms);
  EXPECT_FALSE(result_.has_value()) << result_->message;
  check.cancel();
  check_.reset();  // destroyed right after cancel(): late callbacks must not reach it
  run_for(100ms);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpCheckTest, CancelRightAfterStartIsClean) {
  test::HttpPeer server;
  Check& check = make("http", "url = \"" + server.url("/") + "\"");
  start(check);
  check.cancel();
  run_for(100ms);
  EXPECT_EQ(calls_, 0);
  // And the check still works afterwards.
  start(check);
  run_until_result(10s);
  EXPECT_TRUE(result_ && result_->ok);
}

TEST_F(HttpCheckTest, CheckMayBeDestroyedFromItsOwnDoneCallback) {
  test::HttpPeer server;
  Check& check =
      make("http", "url = \"" + server.url("/?body=ready") + "\"\nexpect_body = \"ready\"");
  check.start([this](CheckResult r) {
    ++calls_;
    result_ = std::move(r);
    check_.reset();
  });
  run_until_result(10s);
  EXPECT_EQ(calls_, 1);
  EXPECT_TRUE(result_ && result_->ok);
}

class HttpsCheckTest : public HttpCheckTest {
 protected:
  void SetUp() override {
    HttpCheckTest::SetUp();
    cert_ = test::make_self_signed_cert(dir_.path(), "server", "DNS:localhost,IP:127.0.0.1");
    server_ = std::make_unique<test::HttpPeer>(cert_);
  }
  std::string local_url(const std::string& host, const std::string& path = "/") const {
    return "https://" + host + ":" + std::to_string(server_->port()) + path;
  }

  test::TempDir dir_;
  test::TlsFiles cert_;
  std::unique_ptr<test::HttpPeer> server_;
};

TEST_F(HttpsCheckTest, SelfSignedCertificateFailsVerificationWithoutCaFile) {
  const auto r = get(server_->url("/"));
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.message, StartsWith("TLS certificate verify failed: "));
  EXPECT_THAT(r.message, HasSubstr("self-signed"));
}

TEST_F(HttpsCheckTest, PassesWithTheCertificateAsCaFile) {
  const auto r = get(server_->url("/?body=secure"),
                     "ca_file = \"" + cert_.cert_file + "\"\nexpect_body = \"secure\"");
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "HTTP 200");
  EXPECT_THAT(server_->requests(), StartsWith("GET /?body=secure HTTP/1.1\n"));
  // By name too: SNI and the DNS name in the certificate.
  const auto by_name = get(local_url("localhost"), "ca_file = \"" + cert_.cert_file + "\"");
  EXPECT_TRUE(by_name.ok) << by_name.message;
}

TEST_F(HttpsCheckTest, PassesWithoutVerification) {
  const auto r = get(server_->url("/"), "tls_verify = false");
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "HTTP 200");
}

TEST_F(HttpsCheckTest, StatusIsCheckedOverTls) {
  EXPECT_EQ(get(server_->url("/?status=503"), "tls_verify = false").message,
            "HTTP 503 (expected 200-399)");
}

TEST_F(HttpsCheckTest, HostNameMismatchFailsWhenVerifying) {
  const auto other = test::make_self_signed_cert(dir_.path(), "other", "DNS:other.example");
  test::HttpPeer server(other);
  const std::string keys = "ca_file = \"" + other.cert_file + "\"";
  const auto by_name = get("https://localhost:" + std::to_string(server.port()) + "/", keys);
  EXPECT_FALSE(by_name.ok);
  EXPECT_EQ(by_name.message, "TLS certificate verify failed: hostname mismatch");
  const auto by_ip = get(server.url("/"), keys);
  EXPECT_FALSE(by_ip.ok);
  EXPECT_EQ(by_ip.message, "TLS certificate verify failed: IP address mismatch");
  // Not checked without verification.
  EXPECT_TRUE(get(server.url("/"), "tls_verify = false").ok);
}

TEST_F(HttpsCheckTest, UnreadableCaFileFailsTheAttempt) {
  const auto r = get(server_->url("/"), "ca_file = \"" + dir_.file("missing.pem") + "\"");
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.message, StartsWith("cannot load ca_file " + dir_.file("missing.pem")));
}

TEST_F(HttpsCheckTest, TlsToAPlainHttpServerFailsTheHandshake) {
  test::TcpListener plain;
  plain.reply_to_next_connection("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
  const auto r = get("https://" + plain.address() + "/", "tls_verify = false");
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.message, StartsWith("TLS handshake failed: "));
}

TEST_F(HttpsCheckTest, CancelDuringTheHandshakeIsClean) {
  Check& check = make("http", "url = \"" + server_->url("/?hang=1") + "\"\ntls_verify = false");
  start(check);
  run_for(50ms);
  check.cancel();
  check_.reset();
  run_for(100ms);
  EXPECT_EQ(calls_, 0);
}

TEST_F(HttpCheckTest, ConfigurationErrorsAreReportedAtParseTime) {
  EXPECT_THAT(errors("http", ""), HasSubstr("needs a url"));
  EXPECT_THAT(errors("http", "url = \"localhost:8080/healthz\""), HasSubstr("is not a URL"));
  EXPECT_THAT(errors("http", "url = \"ftp://h/\""), HasSubstr("unsupported scheme \"ftp\""));
  EXPECT_THAT(errors("http", "url = \"http:///x\""), HasSubstr("missing host"));
  EXPECT_THAT(errors("http", "url = \"http://h:99999/\""), HasSubstr("is not a port"));
  EXPECT_THAT(errors("http", "url = \"http://h/a b\""), HasSubstr("spaces"));
  const std::string ok_url = "url = \"http://h/\"\n";
  EXPECT_THAT(errors("http", ok_url + "expect_status = \"2xx\""),
              HasSubstr("\"2xx\" is not a status code"));
  EXPECT_THAT(errors("http", ok_url + "expect_status = \"299-200\""), HasSubstr("empty range"));
  EXPECT_THAT(errors("http", ok_url + "method = \"GE T\""), HasSubstr("not an HTTP method"));
  EXPECT_THAT(errors("http", ok_url + "headers = { Connection = \"keep-alive\" }"),
              HasSubstr("managed by graced"));
  EXPECT_THAT(errors("http", ok_url + "headers = { X-A = \"a\\r\\nX-B: b\" }"),
              HasSubstr("control characters"));
  EXPECT_THAT(errors("http", ok_url + "method = \"HEAD\"\nexpect_body = \"ok\""),
              HasSubstr("HEAD response has no body"));
  EXPECT_THAT(errors("http", ok_url + "expect_body = \"\""), HasSubstr("must not be empty"));
  EXPECT_THAT(errors("http", ok_url + "tls_verify = \"no\""), HasSubstr("expected"));
  // A bad URL holding a password does not show it.
  EXPECT_THAT(errors("http", "url = \"gopher://u:hunter2@h/\""), Not(HasSubstr("hunter2")));
  EXPECT_EQ(errors("http", "url = \"https://[::1]:8443/x\"\nexpect_status = \"200-299, 404\""), "");
}

TEST_F(HttpCheckTest, CheckConfigShowsTheKeysWithSecretsRedacted) {
  const std::string out = emitted(
      "http",
      "url = \"https://u:pw@h/x\"\nheaders = { Authorization = \"Bearer abc\", X-Trace = \"1\" "
      "}\nexpect_status = \"200-299, 404\"\nexpect_body = \"ok\"\nca_file = \"/ca.pem\"");
  EXPECT_THAT(out, HasSubstr("url = 'https://u:<redacted>@h/x'"));
  EXPECT_THAT(out, HasSubstr("Authorization = '<redacted>'"));
  EXPECT_THAT(out, HasSubstr("X-Trace = '1'"));
  EXPECT_THAT(out, HasSubstr("expect_status = '200-299,404'"));
  EXPECT_THAT(out, HasSubstr("expect_body = 'ok'"));
  EXPECT_THAT(out, HasSubstr("method = 'GET'"));
  EXPECT_THAT(out, HasSubstr("tls_verify = true"));
  EXPECT_THAT(out, HasSubstr("ca_file = '/ca.pem'"));
  EXPECT_THAT(out, Not(HasSubstr("abc")));
}

}  // namespace
}  // namespace graced::probes
