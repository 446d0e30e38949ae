// A real redis-server for tests: listens only on 127.0.0.1 at a free port, keeps its
// config, log and nothing else (no persistence) in its own temp dir, and is stopped by
// pid (also by the destructor, so a failing test leaves nothing behind).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "harness/temp_dir.hpp"
#include "peers/peer_process.hpp"

namespace graced::test {

struct RedisServerOptions {
  std::string requirepass;  // the default user's password; empty: none
  // Further redis.conf lines, e.g. "user alice on >secret ~* &* +@all".
  std::vector<std::string> config;
};

class RedisServer {
 public:
  explicit RedisServer(RedisServerOptions options = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts redis-server and waits until it accepts connections. The port is chosen at the
  // first start and kept across restarts. Throws std::runtime_error when it cannot start.
  void start();
  // SIGTERM, waiting for the exit.
  void stop();
  // SIGKILL at once.
  void kill();
  void restart();
  bool running() { return server_.running(); }

  pid_t pid() const { return server_.pid(); }
  std::uint16_t port() const { return port_; }
  // "127.0.0.1:port".
  std::string address() const;
  const std::string& dir() const { return dir_.path(); }
  std::string log_path() const { return dir_.file("redis.log"); }

 private:
  TempDir dir_;
  RedisServerOptions options_;
  std::uint16_t port_ = 0;
  PeerProcess server_;
};

}  // namespace graced::test
