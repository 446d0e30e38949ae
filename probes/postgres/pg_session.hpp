// One libpq connection driven by the loop: PQconnectStartParams and PQconnectPoll, then
// optionally one query with PQsendQuery/PQconsumeInput/PQgetResult, each step waiting
// for the socket on a uv_poll. No libpq call made here waits for the network (the
// options must already pin every host name to an address: see Conninfo::dial_options).
#pragma once

#include <uv.h>

#include <functional>
#include <string>

#include "loop/handle.hpp"
#include "probes/postgres/conninfo.hpp"

typedef struct pg_conn PGconn;

namespace graced::probes {

struct Libpq;

struct PgOutcome {
  enum class Stage { dial_failed, connected, query_failed, query_succeeded };
  Stage stage = Stage::dial_failed;
  // dial_failed: libpq's error message, verbose, so it carries the server's SQLSTATE.
  // query_failed: the reason, e.g. "relation \"x\" does not exist (SQLSTATE 42P01)".
  std::string error;
  // dial_failed: the server had asked for a password before the attempt failed.
  bool password_requested = false;
};

class PgSession {
 public:
  using Done = std::function<void(PgOutcome)>;

  // `pq`: libpq's functions (load_libpq()), which outlive every session.
  PgSession(uv_loop_t* loop, const Libpq& pq) : loop_(loop), pq_(pq) {}
  ~PgSession() { close(); }
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // Connects (authenticating) and runs `query` unless it is empty. `done` runs once, after
  // the connection is closed, possibly before open() returns.
  void open(const ConnOptions& options, std::string query, Done done);
  // Closes the connection and its poll; `done` is not called. Safe when idle.
  void close();

 private:
  using Step = void (PgSession::*)(int events);
  void connect_step(int events);
  void connected();
  void query_step(int events);
  void lost_connection();
  void watch(int events, Step step);
  void finish(PgOutcome outcome);

  uv_loop_t* loop_;
  const Libpq& pq_;
  PGconn* conn_ = nullptr;
  loop::Poll poll_;
  int polled_fd_ = -1;
  std::string query_;
  Done done_;
};

}  // namespace graced::probes
