#include "peers/redis_server.hpp"

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "harness/files.hpp"
#include "harness/ports.hpp"
#include "harness/wait.hpp"

namespace graced::test {
namespace {

using namespace std::chrono_literals;

std::string find_redis_server() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/redis-server";
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw std::runtime_error("redis-server not found in PATH");
}

}  // namespace

RedisServer::RedisServer(RedisServerOptions options) : options_(std::move(options)) {}

RedisServer::~RedisServer() {
  server_.stop(SIGTERM, 5s);
}

void RedisServer::start() {
  if (running()) throw std::runtime_error("redis-server is already running");
  if (port_ == 0) port_ = free_port();
  std::string conf = "bind 127.0.0.1\nport " + std::to_string(port_) +
                     "\nprotected-mode no\ndaemonize no\nsave \"\"\nappendonly no\n"
                     "dir " +
                     dir_.path() + "\nlogfile " + log_path() + "\n";
  if (!options_.requirepass.empty()) conf += "requirepass " + options_.requirepass + "\n";
  for (const auto& line : options_.config)
    conf += line + "\n";
  const std::string conf_path = dir_.file("redis.conf");
  write_file(conf_path, conf);

  // Readiness is the log line of this start, not of an earlier one.
  const std::size_t log_offset = read_file(log_path()).value_or("").size();
  server_.spawn({find_redis_server(), conf_path}, dir_.file("redis.out"));
  bool exited = false;
  bool up = wait_until(
      [&] {
        if (!server_.running()) {
          exited = true;
          return true;
        }
        std::string log = read_file(log_path()).value_or("");
        return log.size() > log_offset &&
               log.find("Ready to accept connections", log_offset) != std::string::npos;
      },
      20s);
  if (exited || !up) {
    server_.kill();
    throw std::runtime_error(std::string("redis-server ") + (exited ? "exited" : "did not start") +
                             ":\n" + log_tail(log_path()) + log_tail(dir_.file("redis.out")));
  }
}

void RedisServer::stop() {
  server_.stop(SIGTERM, 10s);
}

void RedisServer::kill() {
  server_.kill();
}

void RedisServer::restart() {
  stop();
  start();
}

std::string RedisServer::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

}  // namespace graced::test
