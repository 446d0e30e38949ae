// The few messages of the PostgreSQL frontend/backend protocol 3.0 that the default mode
// of the postgres check exchanges before any authentication: what it sends
// (SSLRequest, StartupMessage, Terminate) and how it reads the server's answers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace graced::probes::pgwire {

// Asks the server whether it speaks TLS; it answers with the single byte 'S' or 'N'.
std::string ssl_request();
// Protocol 3.0 and these parameters ("user", "database", ...), in this order.
std::string startup_message(const std::vector<std::pair<std::string, std::string>>& parameters);
// The polite goodbye, for a server that is ready for queries.
std::string terminate();
// PasswordMessage, SASLResponse: what answers an authentication request ('p').
std::string password_message(std::string_view body);
// SASLInitialResponse: the chosen mechanism and its first message.
std::string sasl_initial_response(std::string_view mechanism, std::string_view data);

// Backend message types the exchange reads.
inline constexpr char kAuthentication = 'R';
inline constexpr char kErrorResponse = 'E';
inline constexpr char kNegotiateProtocolVersion = 'v';
inline constexpr char kNoticeResponse = 'N';
inline constexpr char kReadyForQuery = 'Z';

struct Message {
  char type = 0;
  std::string body;     // without the type byte and the length
  bool legacy = false;  // an 'E' in the pre-3.0 form: a line of text (fork failure)
};

// Takes the first complete message off the front of `buffer`. nullopt when it holds only
// part of one (error left empty), or when the bytes cannot be a backend message (error
// set, e.g. the peer is no PostgreSQL server).
std::optional<Message> take_message(std::string& buffer, std::string& error);

// The fields of an ErrorResponse or NoticeResponse body.
struct ErrorFields {
  std::string severity;  // "FATAL", or the server's translation of it
  std::string sqlstate;  // "57P03"; empty when the server sent none
  std::string message;   // "the database system is starting up"
};
ErrorFields parse_error_fields(std::string_view body);

// The request code of an Authentication message: 0 is AuthenticationOk, anything else
// asks for credentials (3 cleartext password, 5 MD5, 10 SASL...). nullopt when too short.
std::optional<std::uint32_t> authentication_code(std::string_view body);

// Messages larger than this cannot be a first answer: the peer is no PostgreSQL server.
inline constexpr std::size_t kMaxMessage = 64 * 1024;

}  // namespace graced::probes::pgwire
