#include "probes/postgres/postgres_check.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

#include "probes/postgres/connect_error.hpp"

namespace graced::probes {
namespace {

// The address alone, as libpq's `hostaddr` takes it.
std::string ip_text(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&address)->sin_addr, text,
              sizeof text);
  } else if (address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&address)->sin6_addr, text,
              sizeof text);
  }
  return text;
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

}  // namespace

void PostgresSettings::emit(config::Emitter::Table& table) const {
  table.set("url", conninfo.secrets().redacted());
  if (query) table.set("query", *query);
}

void PostgresCheck::start(Done done) {
  cancel();
  done_ = std::move(done);
  names_ = settings_->conninfo.names_to_resolve();
  next_name_ = 0;
  addresses_.clear();
  lookup_error_.clear();
  resolve_next();
}

void PostgresCheck::cancel() {
  done_ = nullptr;
  resolver_.cancel();
  session_.close();  // PQfinish
}

// libpq would look names up with a blocking getaddrinfo(); they are resolved here first,
// one after the other, and libpq is given the addresses.
void PostgresCheck::resolve_next() {
  if (next_name_ == names_.size()) {
    dial();
    return;
  }
  const std::string name = names_[next_name_++];
  resolver_.resolve(name, 0, [this, name](Resolution resolution) {
    if (resolution.ok()) {
      for (const auto& address : resolution.addresses)
        addresses_[name].push_back(ip_text(address));
    } else if (lookup_error_.empty()) {
      lookup_error_ = resolution.error;
    }
    resolve_next();
  });
}

void PostgresCheck::dial() {
  ConnOptions options = settings_->conninfo.dial_options(addresses_);
  if (options.empty()) {
    finish(CheckResult::fail(lookup_error_));
    return;
  }
  session_.open(options, settings_->query.value_or(""),
                [this](PgOutcome outcome) { finish(judge(outcome)); });
}

// Mirrors libpq's PQping (internal_ping): once the server has answered, it is accepting
// connections, whatever it thought of our credentials, unless it said "cannot connect
// now".
CheckResult PostgresCheck::judge(const PgOutcome& outcome) const {
  const ConninfoSecrets& secrets = settings_->conninfo.secrets();
  switch (outcome.stage) {
    case PgOutcome::Stage::connected:
      return CheckResult::pass("accepting connections");
    case PgOutcome::Stage::query_succeeded:
      return CheckResult::pass("query succeeded");
    case PgOutcome::Stage::query_failed:
      return CheckResult::fail("query failed: " + secrets.scrub(outcome.error));
    case PgOutcome::Stage::dial_failed:
      break;
  }
  const ConnectError error = read_connect_error(outcome.error);
  if (error.sqlstate == kCannotConnectNow) {
    return CheckResult::fail("rejecting connections: " + secrets.scrub(error.server_message));
  }
  const bool server_answered = outcome.password_requested || !error.sqlstate.empty();
  if (!settings_->query && server_answered) {
    return CheckResult::pass("accepting connections (" + secrets.scrub(error.reason) + ")");
  }
  return CheckResult::fail(secrets.scrub(error.reason));
}

void PostgresCheck::finish(CheckResult result) {
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));  // last: it may destroy this check
}

const config::SectionSpec& PostgresCheckKind::spec() const {
  static const auto& spec = config::register_section({
      "checks.postgres",
      "type = \"postgres\": is the PostgreSQL server accepting connections (like pg_isready), "
      "or, with `query`, does a query succeed.",
      {
          {"url", "string", "",
           "libpq connection URL (\"postgresql://user:password@db:5432/app\") or key=value "
           "string (\"host=db port=5432 user=app\"). Host names are resolved on every attempt. "
           "Without `query`, the check passes when the server answers, even if it refuses the "
           "login, and fails when nothing answers or it is starting up, shutting down or in "
           "recovery. Passwords are never shown."},
          {"query", "string", "unset",
           "Log in and run this query (e.g. \"SELECT 1\"); the check passes when it succeeds, so "
           "a wrong password or a missing database fails it."},
      },
  });
  return spec;
}

std::shared_ptr<const CheckSettings> PostgresCheckKind::parse(config::Section& section) const {
  auto url = section.string("url");
  if (!url) {
    if (!section.has("url")) {
      section.error("url", "a postgres check needs a url (e.g. \"postgresql://user@db:5432/app\")");
    }
    return nullptr;
  }
  if (blank(*url)) {
    section.error("url", "must not be empty");
    return nullptr;
  }
  std::string error;
  auto conninfo = Conninfo::parse(*url, error);
  if (!conninfo) {
    section.error("url", error);
    return nullptr;
  }
  if (conninfo->option("connect_timeout")) {
    section.warning("url",
                    "connect_timeout has no effect: the check's timeout bounds each attempt");
  }
  auto settings = std::make_shared<PostgresSettings>(std::move(*conninfo));
  if (auto query = section.string("query")) {
    if (blank(*query)) {
      section.error(
          "query",
          "must not be empty (leave it out to check only that the server accepts connections)");
      return nullptr;
    }
    settings->query = std::move(*query);
  }
  return settings;
}

std::unique_ptr<Check> PostgresCheckKind::create(std::shared_ptr<const CheckSettings> settings,
                                                 const CheckContext& context) const {
  return std::make_unique<PostgresCheck>(std::static_pointer_cast<const PostgresSettings>(settings),
                                         context);
}

namespace {
[[maybe_unused]] const auto& kPostgresSpec = PostgresCheckKind{}.spec();
}
GRACED_REGISTER_CHECK_KIND(PostgresCheckKind)

}  // namespace graced::probes
