// A libpq connection string (URL or key=value), parsed once at configuration time by
// libpq itself, plus what dialling it without blocking needs: libpq resolves host names
// with a blocking getaddrinfo() inside PQconnectStart/PQconnectPoll, so every name is
// looked up on the loop first and pinned with `hostaddr`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probes/postgres/conninfo_secrets.hpp"

namespace graced::probes {

using ConnOptions = std::vector<std::pair<std::string, std::string>>;

class Conninfo {
 public:
  // nullopt when libpq cannot parse `text` or a host or port in it is unusable; `error`
  // then says why, without any password.
  static std::optional<Conninfo> parse(const std::string& text, std::string& error);

  // The options given explicitly (libpq's defaults and environment apply to the rest).
  const ConnOptions& options() const { return options_; }
  std::optional<std::string> option(std::string_view keyword) const;
  const ConninfoSecrets& secrets() const { return secrets_; }

  // Host names that must be looked up before dialling, without duplicates.
  std::vector<std::string> names_to_resolve() const;
  // The options for PQconnectStartParams: every host name replaced by one entry per
  // address in `addresses` (by name; a name with none is left out), each pinned with
  // `hostaddr`, so libpq dials without a lookup of its own. Empty when no host is left.
  ConnOptions dial_options(const std::map<std::string, std::vector<std::string>>& addresses) const;

 private:
  explicit Conninfo(ConninfoSecrets secrets) : secrets_(std::move(secrets)) {}

  ConnOptions options_;
  ConninfoSecrets secrets_;
  std::vector<std::string> hosts_;  // host list ("" = libpq's default); from $PGHOST if unset
  bool pinned_ = false;             // hostaddr given (option or $PGHOSTADDR): no lookups
};

// True for a host that libpq reaches through a unix-domain socket (a directory, or an
// abstract socket name starting with '@').
bool is_socket_directory(std::string_view host);

}  // namespace graced::probes
