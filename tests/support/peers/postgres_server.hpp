// A real PostgreSQL server for tests. initdb takes a couple of seconds, so a suite makes
// one cluster (e.g. in SetUpTestSuite) and starts and stops it per test. The cluster
// lives in a temp dir on tmpfs (/dev/shm) when there is one: initdb and a restart after
// a kill are several times faster there. The server listens only on 127.0.0.1 at a free
// port, with its unix socket inside the temp dir.
// TCP connections authenticate with scram-sha-256, so a wrong password is refused;
// the fixture itself talks over the unix socket, where the superuser needs none. As
// root it runs as the `postgres` system user (PostgreSQL refuses root).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "peers/peer_process.hpp"

namespace graced::test {

class PostgresServer {
 public:
  static constexpr const char* kSuperuser = "postgres";

  // Creates the cluster (initdb); throws std::runtime_error when it cannot.
  PostgresServer();
  // Kills the server if it runs and removes the cluster.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Starts the server and waits until it accepts connections. The port is chosen at the
  // first start and kept, so URLs stay valid across restarts.
  void start();
  // Starts the server as a standby with no primary and hot_standby off: it stays in
  // recovery and answers every connection with SQLSTATE 57P03 ("the database system is
  // not accepting connections"). stop() turns it back into a primary for the next start.
  void start_standby();
  // Fast shutdown (SIGINT to the postmaster), waiting for it to exit.
  void stop();
  // SIGKILL to the postmaster and its backends at once.
  void kill();
  void restart();
  bool running() { return postmaster_.running(); }

  pid_t pid() const { return postmaster_.pid(); }
  std::uint16_t port() const { return port_; }
  const std::string& dir() const { return dir_.path; }
  std::string data_dir() const { return dir_.path + "/data"; }
  std::string socket_dir() const { return dir_.path + "/socket"; }
  std::string log_path() const { return dir_.path + "/postgres.log"; }

  // "postgresql://user:password@127.0.0.1:port/database" (no password part when empty).
  std::string url(const std::string& user, const std::string& password,
                  const std::string& database = "postgres") const;

  // Runs SQL as the superuser (psql over the unix socket); throws with psql's output on
  // failure. Needs a running server.
  void sql(const std::string& statement);
  // Creates the login role if missing and sets its password.
  void set_password(const std::string& user, const std::string& password);
  void create_database(const std::string& name);

 private:
  void launch(bool standby);
  void wait_until_up(bool standby);

  // Created empty, removed with everything in it.
  struct ScratchDir {
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    std::string path;
  };

  ScratchDir dir_;
  std::optional<RunAs> user_;
  std::string bin_dir_;
  std::uint16_t port_ = 0;
  PeerProcess postmaster_;
};

}  // namespace graced::test
