// Fuzz target: the HTTP/2 input path of graced's gRPC server. The bytes arrive on a
// connection handed over as the HTTP/1.1 listener would (the preface, then the input),
// partly as the bytes already read and partly through the socket, and the loop runs until
// the server has answered what it could. Whatever the bytes, the server neither crashes
// nor leaks, and closes what it opened.
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <string>

#include "grpc/grpc_server.hpp"
#include "health/health.hpp"
#include "http/h2_preface.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace graced;
  static const bool once = (std::signal(SIGPIPE, SIG_IGN), true);
  (void)once;
  if (size == 0) return 0;
  // The first byte chooses where the input is cut between "already read" and "read later",
  // and whether the preface is supplied (most inputs should reach the frame parser).
  const std::size_t cut = size > 1 ? data[0] % size : 0;
  const bool add_preface = (data[0] & 0x80) == 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string first =
      (add_preface ? std::string(http::kH2Preface) : std::string()) + input.substr(0, cut);
  const std::string later = input.substr(std::min(cut, input.size()));

  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    health::Health health;
    health::CheckState db;
    db.name = "db";
    db.probes = {health::Probe::readiness};
    db.status = health::CheckStatus::passing;
    health.add_check(db);
    health.set_child_running(true);

    grpc::ServerOptions options;
    options.services = {{"user.v1.UserService", "readiness"}};
    options.idle_timeout = std::chrono::milliseconds(50);
    options.close_grace = std::chrono::milliseconds(10);
    grpc::Server server(&loop, health, options, [](const http::Request& r) {
      return http::Response{200, {{"Content-Type", "text/plain"}}, r.path};
    });

    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return 0;
    server.adopt_socket(fds[0], first);
    if (!later.empty()) {
      [[maybe_unused]] auto n = write(fds[1], later.data(), later.size());
    }
    for (int i = 0; i < 4; ++i)
      uv_run(&loop, UV_RUN_NOWAIT);
    health.set_shutting_down("draining");  // Watch streams, if any, get a push
    uv_run(&loop, UV_RUN_NOWAIT);
    server.shutdown();
    uv_run(&loop, UV_RUN_NOWAIT);
    close(fds[1]);
    for (int i = 0; i < 4; ++i)
      uv_run(&loop, UV_RUN_NOWAIT);
  }
  // Every handle the server opened is closed once its owner is gone.
  while (uv_loop_alive(&loop))
    uv_run(&loop, UV_RUN_NOWAIT);
  if (uv_loop_close(&loop) != 0) __builtin_trap();
  return 0;
}
