// Reads libpq's error message for a failed connection. libpq keeps the SQLSTATE of the
// server's answer to itself (PQping uses it, PQconnectPoll users cannot), but in verbose
// mode it writes it into the message:
//   connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  57P03: the database system
//   is starting up
#pragma once

#include <string>
#include <string_view>

namespace graced::probes {

// SQLSTATE 57P03 "cannot connect now": starting up, shutting down, in recovery.
inline constexpr std::string_view kCannotConnectNow = "57P03";

struct ConnectError {
  std::string sqlstate;        // of the last error a server sent; empty when none answered
  std::string server_message;  // that error's text
  std::string reason;          // the last attempt's failure, short: "connection refused"
};

ConnectError read_connect_error(std::string_view message);

}  // namespace graced::probes
