#include "probes/postgres/postgres_check.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

#include "probes/common/openssl_library.hpp"
#include "probes/postgres/startup_probe.hpp"
#include "probes/postgres/wire_message.hpp"
#ifdef GRACED_HAVE_LIBPQ
#include "probes/postgres/libpq_library.hpp"
#include "probes/postgres/query_check.hpp"
#endif

namespace graced::probes {
namespace {

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// Who the default mode logs in as, with libpq's defaults for what the URL leaves out: the
// user graced runs as, the database named like the user (the server's own default). Read
// once, when the configuration is: getpwuid() may ask NSS, which may block.
std::string default_user(const Conninfo& conninfo) {
  std::string user = conninfo.setting("user");
  if (user.empty()) {
    if (const passwd* entry = getpwuid(geteuid())) user = entry->pw_name;
  }
  return user;
}

std::string startup_message_for(const Conninfo& conninfo, const std::string& user) {
  std::vector<std::pair<std::string, std::string>> parameters{{"user", user}};
  if (std::string database = conninfo.setting("dbname"); !database.empty())
    parameters.emplace_back("database", std::move(database));
  std::string application = conninfo.setting("application_name");
  if (application.empty())
    application = conninfo.option("fallback_application_name").value_or("graced");
  parameters.emplace_back("application_name", std::move(application));
  return pgwire::startup_message(parameters);
}

}  // namespace

void PostgresSettings::emit(config::Emitter::Table& table) const {
  table.set("url", conninfo.secrets().redacted());
  if (query) table.set("query", *query);
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
           "a wrong password or a missing database fails it. Needs libpq (the libpq5 package), "
           "which graced loads only then."},
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
#ifdef GRACED_HAVE_LIBPQ
    std::string why;
    settings->libpq = load_libpq(why);
    if (settings->libpq == nullptr) {
      section.error("query", why);
      return nullptr;
    }
#else
    // libpq cannot be part of a fully static binary (see probes/CMakeLists.txt).
    section.error("query", "needs the dynamic build of graced (this static build has no libpq)");
    return nullptr;
#endif
    if (blank(*query)) {
      section.error(
          "query",
          "must not be empty (leave it out to check only that the server accepts connections)");
      return nullptr;
    }
    settings->query = std::move(*query);
    return settings;
  }
  settings->user = default_user(settings->conninfo);
  if (settings->user.empty()) {
    section.error("url", "no user name: give one in the url (or set PGUSER)");
    return nullptr;
  }
  settings->startup_message = startup_message_for(settings->conninfo, settings->user);
  settings->password = settings->conninfo.setting("password");
  // MD5 and SCRAM answers to a password request are computed with OpenSSL, loaded only for
  // the checks that have a password to send.
  std::string why;
  if (!settings->password.empty() && !load_openssl(why)) {
    section.error("url", why);
    return nullptr;
  }
  // TLS under sslmode=prefer protects the password. With none to send, clear text shows
  // only the user and database names and spares the handshake; and at a password prompt
  // the probe can then leave without the server logging a reset connection (TlsSession
  // cannot send close_notify, so over TLS it would).
  const Conninfo::Tls tls = settings->conninfo.tls();
  if (tls == Conninfo::Tls::required ||
      (tls == Conninfo::Tls::preferred && !settings->password.empty())) {
    // No certificate check: see StartupProbe.
    settings->tls = TlsContext::create({false, "", {}}, error);
    if (!settings->tls) {
      section.error("url", error);
      return nullptr;
    }
    settings->tls_required = tls == Conninfo::Tls::required;
  }
  return settings;
}

std::unique_ptr<Check> PostgresCheckKind::create(std::shared_ptr<const CheckSettings> settings,
                                                 const CheckContext& context) const {
  auto postgres = std::static_pointer_cast<const PostgresSettings>(std::move(settings));
#ifdef GRACED_HAVE_LIBPQ
  if (postgres->query) return std::make_unique<QueryCheck>(postgres, context);
#endif
  return std::make_unique<StartupProbe>(std::move(postgres), context);
}

namespace {
[[maybe_unused]] const auto& kPostgresSpec = PostgresCheckKind{}.spec();
}
GRACED_REGISTER_CHECK_KIND(PostgresCheckKind)

}  // namespace graced::probes
