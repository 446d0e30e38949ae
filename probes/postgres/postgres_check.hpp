// type = "postgres". Without `query` it answers what pg_isready answers, "is the server
// accepting connections" (startup_probe.hpp): it passes once the server has answered the
// startup exchange, even with a login it would refuse, and fails when nothing answers or
// the server says it cannot take connections now (starting up, shutting down, in
// recovery: SQLSTATE 57P03). With `query` it logs in through libpq and passes when the
// query succeeds (query_check.hpp); only the dynamic build has that mode.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "probes/check.hpp"
#include "probes/common/tls_context.hpp"
#include "probes/postgres/conninfo.hpp"

namespace graced::probes {

struct Libpq;

struct PostgresSettings : CheckSettings {
  explicit PostgresSettings(Conninfo c) : conninfo(std::move(c)) {}
  Conninfo conninfo;
  std::optional<std::string> query;
  // Query mode's libpq, loaded when the configuration was read (libpq_library.hpp).
  const Libpq* libpq = nullptr;
  // The default mode's login: its StartupMessage, the user and password it answers a
  // password request with, and the TLS client it tries first (null when sslmode is
  // disable or allow) or insists on.
  std::string startup_message;
  std::string user;
  std::string password;
  std::shared_ptr<const TlsContext> tls;
  bool tls_required = false;
  void emit(config::Emitter::Table& table) const override;
};

class PostgresCheckKind : public CheckKind {
 public:
  std::string_view type() const override { return "postgres"; }
  const config::SectionSpec& spec() const override;
  bool is_dependency() const override { return true; }
  std::shared_ptr<const CheckSettings> parse(config::Section& section) const override;
  std::unique_ptr<Check> create(std::shared_ptr<const CheckSettings> settings,
                                const CheckContext& context) const override;
};

}  // namespace graced::probes
