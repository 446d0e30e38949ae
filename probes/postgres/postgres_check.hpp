// type = "postgres". Without `query` it answers what pg_isready answers, "is the server
// accepting connections": it passes once the server has answered the startup exchange,
// even with a refused login, and fails when nothing answers or the server says it cannot
// take connections now (starting up, shutting down, in recovery: SQLSTATE 57P03). With
// `query` it logs in and passes when the query succeeds.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "probes/check.hpp"
#include "probes/common/resolver.hpp"
#include "probes/postgres/conninfo.hpp"
#include "probes/postgres/pg_session.hpp"

namespace graced::probes {

struct PostgresSettings : CheckSettings {
  explicit PostgresSettings(Conninfo c) : conninfo(std::move(c)) {}
  Conninfo conninfo;
  std::optional<std::string> query;
  void emit(config::Emitter::Table& table) const override;
};

class PostgresCheck : public Check {
 public:
  PostgresCheck(std::shared_ptr<const PostgresSettings> settings, const CheckContext& context)
      : settings_(std::move(settings)), resolver_(context.loop), session_(context.loop) {}
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
