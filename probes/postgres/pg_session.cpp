#include "probes/postgres/pg_session.hpp"

#include <exception>
#include <utility>
#include <vector>

#include "probes/postgres/connect_error.hpp"
#include "probes/postgres/libpq_library.hpp"

namespace graced::probes {
namespace {

// Why a query's result is a failure: the server's error, or an unexpected result kind
// (COPY, an empty query).
std::string describe_result(const Libpq& pq, const PGresult* result) {
  const char* primary = pq.PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const char* sqlstate = pq.PQresultErrorField(result, PG_DIAG_SQLSTATE);
  if (primary) {
    std::string out = primary;
    if (sqlstate) out += std::string(" (SQLSTATE ") + sqlstate + ")";
    return out;
  }
  const ExecStatusType status = pq.PQresultStatus(result);
  if (status == PGRES_EMPTY_QUERY) return "the query is empty";
  return std::string("unexpected result ") + pq.PQresStatus(status);
}

}  // namespace

void PgSession::open(const ConnOptions& options, std::string query, Done done) {
  close();
  done_ = std::move(done);
  query_ = std::move(query);
  std::vector<const char*> keywords, values;
  for (const auto& [k, v] : options) {
    keywords.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = pq_.PQconnectStartParams(keywords.data(), values.data(), 0);
  if (!conn_) {
    finish({PgOutcome::Stage::dial_failed, "out of memory", false});
    return;
  }
  // Server errors then carry their SQLSTATE in the message: the only way to tell
  // "starting up" (57P03) from "wrong password" without PQping, which blocks.
  pq_.PQsetErrorVerbosity(conn_, PQERRORS_VERBOSE);
  if (pq_.PQstatus(conn_) == CONNECTION_BAD) {
    finish({PgOutcome::Stage::dial_failed, pq_.PQerrorMessage(conn_), false});
    return;
  }
  watch(UV_WRITABLE, &PgSession::connect_step);  // libpq: start as if PQconnectPoll said WRITING
}

void PgSession::close() {
  // The poll goes first: libpq closes the socket in PQfinish, and an fd must not be closed
  // while it is polled.
  poll_.close();
  polled_fd_ = -1;
  if (conn_) pq_.PQfinish(std::exchange(conn_, nullptr));
  done_ = nullptr;
}

void PgSession::connect_step(int /*events*/) {
  switch (pq_.PQconnectPoll(conn_)) {
    case PGRES_POLLING_READING:
      watch(UV_READABLE, &PgSession::connect_step);
      return;
    case PGRES_POLLING_WRITING:
      watch(UV_WRITABLE, &PgSession::connect_step);
      return;
    case PGRES_POLLING_OK:
      connected();
      return;
    default:
      finish({PgOutcome::Stage::dial_failed, pq_.PQerrorMessage(conn_),
              pq_.PQconnectionUsedPassword(conn_) != 0});
      return;
  }
}

void PgSession::connected() {
  // Non-blocking from here on, so that neither the query nor PQfinish's goodbye message
  // ever waits for a full socket buffer.
  pq_.PQsetnonblocking(conn_, 1);
  if (query_.empty()) {
    finish({PgOutcome::Stage::connected, {}, false});
    return;
  }
  if (!pq_.PQsendQuery(conn_, query_.c_str())) {
    lost_connection();
    return;
  }
  query_step(UV_WRITABLE);
}

void PgSession::query_step(int events) {
  if ((events & UV_READABLE) && !pq_.PQconsumeInput(conn_)) {
    lost_connection();
    return;
  }
  const int unsent = pq_.PQflush(conn_);
  if (unsent < 0) {
    lost_connection();
    return;
  }
  if (unsent > 0) {
    // libpq: while output is pending, also read, or the server may stall on a full pipe.
    watch(UV_READABLE | UV_WRITABLE, &PgSession::query_step);
    return;
  }
  while (!pq_.PQisBusy(conn_)) {
    PGresult* result = pq_.PQgetResult(conn_);
    if (!result) {
      finish({PgOutcome::Stage::query_succeeded, {}, false});
      return;
    }
    const ExecStatusType status = pq_.PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      std::string reason = describe_result(pq_, result);
      pq_.PQclear(result);
      finish({PgOutcome::Stage::query_failed, std::move(reason), false});
      return;
    }
    pq_.PQclear(result);
  }
  watch(UV_READABLE, &PgSession::query_step);
}

void PgSession::lost_connection() {
  finish({PgOutcome::Stage::query_failed, read_connect_error(pq_.PQerrorMessage(conn_)).reason,
          false});
}

// Waits for the socket libpq uses now: it may be another one after each PQconnectPoll
// (next address, SSL retry) and libpq may have closed it, so the poll is stopped before
// every libpq call (in the callback below) and re-created when the socket changed.
void PgSession::watch(int events, Step step) {
  const int fd = pq_.PQsocket(conn_);
  if (fd < 0) {
    if (step == &PgSession::query_step) {
      lost_connection();
    } else {
      finish({PgOutcome::Stage::dial_failed, pq_.PQerrorMessage(conn_), false});
    }
    return;
  }
  if (!poll_ || fd != polled_fd_) {
    poll_.close();
    try {
      poll_ = loop::Poll(loop_, fd);
    } catch (const std::exception& e) {
      finish({PgOutcome::Stage::dial_failed, e.what(), false});
      return;
    }
    polled_fd_ = fd;
  }
  poll_.start(events, [this, events, step](int status, int ready) {
    poll_.stop();
    // On a poll error (libuv reports POLLERR so) let libpq find the socket's error itself.
    (this->*step)(status < 0 ? events : ready);
  });
}

void PgSession::finish(PgOutcome outcome) {
  Done done = std::move(done_);
  close();
  // Last: the callback may destroy this session.
  if (done) done(std::move(outcome));
}

}  // namespace graced::probes
