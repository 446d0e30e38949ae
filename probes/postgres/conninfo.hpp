// A libpq connection string (URL or key=value), parsed once at configuration time with
// libpq's grammar (conninfo_parser.hpp), and what dialling it without blocking needs:
// where each server is (endpoints(), for the default mode's own startup exchange), and
// for libpq (query mode) the same options with every host name pinned to an address,
// since libpq resolves names with a blocking getaddrinfo() inside PQconnectPoll.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probes/postgres/conninfo_parser.hpp"
#include "probes/postgres/conninfo_secrets.hpp"

namespace graced::probes {

class Conninfo {
 public:
  // One server to try, in the order libpq tries them, its defaults filled in.
  struct Endpoint {
    std::string host;     // as given: a name, an IP literal or a socket directory
    std::string address;  // what to dial: `hostaddr` when given, else the host; for a
                          // Unix socket, the socket's path ("/var/run/postgresql/.s.PGSQL.5432")
    std::uint16_t port = 5432;
    bool unix_socket = false;
  };

  // nullopt when `text` is not a valid connection string or a host or port in it is
  // unusable; `error` then says why, without any password.
  static std::optional<Conninfo> parse(const std::string& text, std::string& error);

  // The options given explicitly.
  const ConnOptions& options() const { return options_; }
  std::optional<std::string> option(std::string_view keyword) const;
  // The option, else the PG* environment variable libpq reads for it (PGUSER for user,
  // PGDATABASE for dbname, ...), else "".
  std::string setting(std::string_view keyword) const;
  const ConninfoSecrets& secrets() const { return secrets_; }

  const std::vector<Endpoint>& endpoints() const { return endpoints_; }
  // What sslmode (or PGSSLMODE) asks of a TCP connection: disable and allow go without
  // TLS, prefer (libpq's default) tries it first, require and verify-* insist on it.
  enum class Tls { off, preferred, required };
  Tls tls() const;

  // Host names that must be looked up before dialling, without duplicates.
  std::vector<std::string> names_to_resolve() const;
  // The options for PQconnectStartParams: every host name replaced by one entry per
  // address in `addresses` (by name; a name with none is left out), each pinned with
  // `hostaddr`, so libpq dials without a lookup of its own. Empty when no host is left.
  ConnOptions dial_options(const std::map<std::string, std::vector<std::string>>& addresses) const;

 private:
  explicit Conninfo(ConninfoSecrets secrets) : secrets_(std::move(secrets)) {}
  bool find_endpoints(std::string& error);

  ConnOptions options_;
  ConninfoSecrets secrets_;
  std::vector<std::string> hosts_;  // host list ("" = libpq's default); from $PGHOST if unset
  bool pinned_ = false;             // hostaddr given (option or $PGHOSTADDR): no lookups
  std::vector<Endpoint> endpoints_;
};

// True for a host that libpq reaches through a unix-domain socket (a directory, or an
// abstract socket name starting with '@').
bool is_socket_directory(std::string_view host);

}  // namespace graced::probes
