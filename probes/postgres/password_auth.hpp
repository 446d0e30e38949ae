// Answers to a PostgreSQL server's password requests: cleartext, MD5 and SCRAM-SHA-256
// (RFC 5802, RFC 7677), each as a complete frontend message. The default mode of the
// postgres check logs in as libpq's ping did, so that its message says why a server
// refused the login (it still passes: the server answered).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace graced::probes::pgwire {

// Authentication request codes (the first word of an Authentication message).
inline constexpr std::uint32_t kAuthOk = 0;
inline constexpr std::uint32_t kAuthCleartextPassword = 3;
inline constexpr std::uint32_t kAuthMd5Password = 5;
inline constexpr std::uint32_t kAuthSasl = 10;
inline constexpr std::uint32_t kAuthSaslContinue = 11;
inline constexpr std::uint32_t kAuthSaslFinal = 12;

// PasswordMessage with the password itself.
std::string cleartext_password_message(std::string_view password);
// PasswordMessage for MD5: "md5" and the hex of md5(hex(md5(password + user)) + salt).
std::string md5_password_message(std::string_view user, std::string_view password,
                                 std::string_view salt);

// Whether AuthenticationSASL's list of mechanisms offers SCRAM-SHA-256.
bool offers_scram_sha_256(std::string_view mechanisms);

// SCRAM-SHA-256 without channel binding, as libpq speaks it: the user name in the
// exchange is empty (the server takes the StartupMessage's) unless given, and the server's
// final signature is not checked (the probe trusts nothing the server says but its answer).
// The password is used as given; libpq prepares it with SASLprep first, which changes
// only passwords with non-ASCII characters.
class ScramClient {
 public:
  // `nonce` empty: 18 random bytes in base64, as libpq makes it.
  explicit ScramClient(std::string password, std::string nonce = {}, std::string user = {});

  // SASLInitialResponse: the mechanism and the client-first-message.
  std::string initial_response() const;
  // SASLResponse to the server-first-message (AuthenticationSASLContinue's data); nullopt
  // with `error` set when that message is malformed.
  std::optional<std::string> final_response(std::string_view server_first,
                                            std::string& error) const;

 private:
  std::string client_first_bare() const;

  std::string password_;
  std::string nonce_;
  std::string user_;
};

}  // namespace graced::probes::pgwire
