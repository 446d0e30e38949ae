// The postgres check's query mode: logs in through libpq and runs the query. libpq would
// look host names up with a blocking getaddrinfo(), so they are resolved first on the
// loop and libpq is given the addresses (Conninfo::dial_options). Dynamic build only.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "probes/check.hpp"
#include "probes/common/resolver.hpp"
#include "probes/postgres/pg_session.hpp"
#include "probes/postgres/postgres_check.hpp"

namespace graced::probes {

class QueryCheck : public Check {
 public:
  QueryCheck(std::shared_ptr<const PostgresSettings> settings, const CheckContext& context)
      : settings_(std::move(settings)),
        resolver_(context.loop),
        session_(context.loop, *settings_->libpq) {}
  void start(Done done) override;
  void cancel() override;

 private:
  void resolve_next();
  void dial();
  CheckResult judge(const PgOutcome& outcome) const;
  void finish(CheckResult result);

  std::shared_ptr<const PostgresSettings> settings_;
  Resolver resolver_;
  PgSession session_;
  std::vector<std::string> names_;  // host names to look up this attempt
  std::size_t next_name_ = 0;
  std::map<std::string, std::vector<std::string>> addresses_;
  std::string lookup_error_;
  Done done_;
};

}  // namespace graced::probes
