// libpq, loaded with dlopen() when the configuration has a query-mode postgres check, and
// only then. Linked, it would be loaded at every start of graced with everything it
// pulls in (Kerberos, LDAP, SASL, GnuTLS: twenty-odd libraries), which costs each start
// ~3 ms and each instance ~3.5 MiB of RSS, for a mode most configurations never use.
// The build still compiles against libpq-fe.h, so the types and signatures are libpq's.
#pragma once

#include <libpq-fe.h>

#include <string>

namespace graced::probes {

// Every libpq function graced calls (probes/postgres/pg_session.cpp).
// clang-format off
#define GRACED_LIBPQ_FUNCTIONS(X) \
  X(PQconnectStartParams) X(PQconnectPoll) X(PQconnectionUsedPassword) \
  X(PQsetErrorVerbosity) X(PQsetnonblocking) X(PQstatus) X(PQsocket) X(PQerrorMessage) \
  X(PQfinish) X(PQsendQuery) X(PQconsumeInput) X(PQflush) X(PQisBusy) X(PQgetResult) \
  X(PQresultStatus) X(PQresultErrorField) X(PQresStatus) X(PQclear)
// clang-format on

// The functions, named as libpq names them: pq.PQfinish(conn).
struct Libpq {
#define GRACED_LIBPQ_MEMBER(name) decltype(&::name) name = nullptr;
  GRACED_LIBPQ_FUNCTIONS(GRACED_LIBPQ_MEMBER)
#undef GRACED_LIBPQ_MEMBER
};

// The soname graced loads: the one Debian's libpq5 package installs.
inline constexpr const char* kLibpqSoname = "libpq.so.5";

// libpq's functions, loading the library on the first call (on the loop's thread, while
// the configuration is read; never unloaded). nullptr when it cannot be loaded, with
// `error` saying why and what to install.
const Libpq* load_libpq(std::string& error);

}  // namespace graced::probes
