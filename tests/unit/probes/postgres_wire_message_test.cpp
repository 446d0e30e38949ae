// The PostgreSQL protocol messages the postgres check's default mode sends and reads,
// byte for byte, and the answers to password requests (MD5 and the RFC 7677 SCRAM
// example, computed independently).
#include "probes/postgres/wire_message.hpp"

#include <gtest/gtest.h>

#include <string>

#include "probes/postgres/password_auth.hpp"

namespace graced::probes::pgwire {
namespace {

using namespace std::string_literals;

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xff),
          static_cast<char>((v >> 8) & 0xff), static_cast<char>(v & 0xff)};
}

TEST(PostgresWireMessageTest, SslRequestIsTheMagicCode) {
  EXPECT_EQ(ssl_request(), "\x00\x00\x00\x08\x04\xd2\x16\x2f"s);
}

TEST(PostgresWireMessageTest, StartupMessageIsProtocol3WithItsParameters) {
  const std::string body = "\x00\x03\x00\x00"s + "user\0app\0database\0db\0\0"s;
  EXPECT_EQ(startup_message({{"user", "app"}, {"database", "db"}}),
            be32(static_cast<std::uint32_t>(body.size() + 4)) + body);
  EXPECT_EQ(startup_message({}), "\x00\x00\x00\x09\x00\x03\x00\x00\x00"s);
}

TEST(PostgresWireMessageTest, TerminateAndPasswordMessages) {
  EXPECT_EQ(terminate(), "X\x00\x00\x00\x04"s);
  EXPECT_EQ(password_message("pw\0"s), "p\x00\x00\x00\x07pw\0"s);
  EXPECT_EQ(sasl_initial_response("M", "abc"),
            "p\x00\x00\x00\x0dM\0\x00\x00\x00\x03"
            "abc"s);
}

TEST(PostgresWireMessageTest, TakesOnlyCompleteMessages) {
  std::string buffer = "R\x00\x00\x00\x08\x00\x00"s;
  std::string error;
  EXPECT_FALSE(take_message(buffer, error));
  EXPECT_EQ(error, "");
  buffer += "\x00\x0aZ\x00\x00\x00\x05I"s;  // the rest of R, then a whole Z
  auto first = take_message(buffer, error);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->type, 'R');
  EXPECT_EQ(authentication_code(first->body), 10u);
  auto second = take_message(buffer, error);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->type, 'Z');
  EXPECT_EQ(second->body, "I");
  EXPECT_TRUE(buffer.empty());
  EXPECT_FALSE(take_message(buffer, error));
}

TEST(PostgresWireMessageTest, ReadsTheFieldsOfAnErrorResponse) {
  const std::string body = "SFATAL\0VFATAL\0C57P03\0Mthe database system is starting up\0\0"s;
  std::string buffer = "E" + be32(static_cast<std::uint32_t>(body.size() + 4)) + body;
  std::string error;
  auto message = take_message(buffer, error);
  ASSERT_TRUE(message);
  EXPECT_FALSE(message->legacy);
  const auto fields = parse_error_fields(message->body);
  EXPECT_EQ(fields.severity, "FATAL");
  EXPECT_EQ(fields.sqlstate, "57P03");
  EXPECT_EQ(fields.message, "the database system is starting up");
  EXPECT_EQ(parse_error_fields("").sqlstate, "");
  EXPECT_EQ(parse_error_fields("Mcut short"s).message, "cut short");
}

// What a server that cannot fork a backend sends, before it speaks the protocol.
TEST(PostgresWireMessageTest, ReadsTheOldFormOfAnError) {
  std::string buffer = "Ecould not fork new process for connection: Cannot allocate memory\n";
  std::string error;
  auto message = take_message(buffer, error);
  ASSERT_TRUE(message);
  EXPECT_TRUE(message->legacy);
  EXPECT_EQ(message->body, "could not fork new process for connection: Cannot allocate memory");
}

TEST(PostgresWireMessageTest, BytesOfAnotherProtocolAreAnError) {
  for (std::string buffer : {"HTTP/1.1 400 Bad Request\r\n\r\n"s, "SSH-2.0-OpenSSH_9.2\r\n"s,
                             "R\x00\x00\x00\x02xxxx"s}) {
    std::string error;
    EXPECT_FALSE(take_message(buffer, error));
    EXPECT_EQ(error, "not a PostgreSQL server: unexpected answer") << buffer;
  }
}

TEST(PostgresPasswordAuthTest, Md5IsTheDoubleHashWithTheSalt) {
  // md5(md5("secret" + "app").hex + salt).hex, computed with Python's hashlib.
  EXPECT_EQ(md5_password_message("app", "secret", "\x01\x02\x03\x04"),
            password_message("md5911f527656472583a006e7727877b33e\0"s));
  EXPECT_EQ(cleartext_password_message("secret"), password_message("secret\0"s));
}

TEST(PostgresPasswordAuthTest, ScramSha256FollowsTheRfc7677Example) {
  const ScramClient client("pencil", "rOprNGfwEbeRWgbNEkqO", "user");
  EXPECT_EQ(client.initial_response(),
            sasl_initial_response("SCRAM-SHA-256", "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
  std::string error;
  const auto final_message = client.final_response(
      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
      error);
  ASSERT_TRUE(final_message) << error;
  EXPECT_EQ(*final_message,
            password_message("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                             "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
}

TEST(PostgresPasswordAuthTest, ScramRejectsAServerThatDoesNotExtendOurNonce) {
  const ScramClient client("pencil", "abc");
  std::string error;
  EXPECT_FALSE(client.final_response("r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", error));
  EXPECT_EQ(error, "invalid SCRAM response (nonce mismatch)");
  EXPECT_FALSE(client.final_response("r=abc123,s=***,i=4096", error));
  EXPECT_EQ(error, "malformed SCRAM message from the server");
  EXPECT_FALSE(client.final_response("r=abc123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", error));
  EXPECT_FALSE(client.final_response("r=abc123", error));
}

TEST(PostgresPasswordAuthTest, ScramMakesAFreshNonceEachTime) {
  EXPECT_NE(ScramClient("pw").initial_response(), ScramClient("pw").initial_response());
  EXPECT_EQ(ScramClient("pw").initial_response().size(),
            sasl_initial_response("SCRAM-SHA-256", "n,,n=,r=" + std::string(24, 'x')).size());
}

TEST(PostgresPasswordAuthTest, FindsScramAmongTheServersMechanisms) {
  EXPECT_TRUE(offers_scram_sha_256("SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0"s));
  EXPECT_TRUE(offers_scram_sha_256("SCRAM-SHA-256\0\0"s));
  EXPECT_FALSE(offers_scram_sha_256("SCRAM-SHA-256-PLUS\0\0"s));
  EXPECT_FALSE(offers_scram_sha_256(""));
}

}  // namespace
}  // namespace graced::probes::pgwire
