// Fuzz target: the HTTP/1.1 request path, bytes in and responses out. An http::Server
// listens on 127.0.0.1 (an ephemeral port) on a loop of its own; a client connects, writes
// the input in two parts (cut where the first byte says), half-closes, and reads what the
// server answers until it closes or a bounded number of loop turns has passed. Pipelined
// requests, deferred answers, the size limits and the HTTP/2 handover are all on the path.
// Whatever the bytes, nothing crashes, every answer starts with a status line, and once
// the server is stopped and destroyed the loop has nothing left open.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_seeds.hpp"
#include "http/server.hpp"

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

struct Client {
  int fd = -1;
  bool closed = false;  // the server closed (EOF or reset)
  std::string received;

  void send_all(std::string_view bytes) {
    while (!bytes.empty() && !closed) {
      const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // EAGAIN (the server stopped reading) or the server is gone
      }
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void drain() {
    char buf[16 * 1024];
    while (!closed) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        received.append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        closed = true;
      } else {
        return;
      }
    }
  }
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Blocking: the kernel completes a loopback connect from the listen backlog at once.
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace graced;
  static const bool once = (std::signal(SIGPIPE, SIG_IGN), true);
  (void)once;
  if (size == 0) return 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t cut = data[0] % (input.size() + 1);
  const bool read_answers = (data[0] & 0x80) == 0;

  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) return 0;
  // A lambda, so that giving up early (no port, no connection) still cleans up below.
  [&] {
    std::vector<http::Responder> deferred;
    http::ServerOptions options;
    // Small limits, so that inputs of a few kilobytes cross them.
    options.max_header_bytes = 1024;
    options.max_body_bytes = 2048;
    options.max_write_backlog = 256 * 1024;
    options.on_http2_preface = [](uv_os_sock_t socket, std::string_view) { ::close(socket); };
    auto handler = [&](const http::Request& r, http::Responder responder) {
      if (r.path == "/defer") {
        deferred.push_back(std::move(responder));
        return;
      }
      http::Response response{200, {{"Content-Type", "text/plain"}}, r.method + " " + r.path};
      if (r.path == "/big") response.body.assign(32 * 1024, 'x');
      if (r.query_param("status")) response.status = 503;
      response.body += "\n" + std::to_string(r.body.size()) + "\n";
      responder.send(std::move(response));
    };
    // The port the kernel chose for the first input is used again for the next ones: with
    // many sockets in TIME_WAIT on the machine, binding port 0 gets slower with every input.
    static int port = 0;
    std::optional<http::Server> server;
    for (int attempt = 0; attempt < 2 && !server; ++attempt) {
      options.listen = "127.0.0.1:" + std::to_string(attempt == 0 ? port : 0);
      server.emplace(&loop, options, handler);
      if (server->start()) server.reset();
    }
    if (!server) return;
    port = server->port();
    Client client;
    client.fd = connect_to(port);
    if (client.fd < 0) return;

    auto turn = [&] {
      uv_run(&loop, UV_RUN_NOWAIT);
      // Deferred requests are answered one loop turn later, behind any pipelined ones.
      auto pending = std::move(deferred);
      deferred.clear();
      for (auto& responder : pending)
        responder.send(http::Response{204, {}, ""});
      if (read_answers) client.drain();
    };
    client.send_all(std::string_view(input).substr(0, cut));
    for (int i = 0; i < 4; ++i)
      turn();
    client.send_all(std::string_view(input).substr(cut));
    ::shutdown(client.fd, SHUT_WR);
    for (int i = 0; i < 64 && !client.closed; ++i)
      turn();
    client.drain();
    require(client.received.empty() || client.received.starts_with("HTTP/1.1 "));

    server->stop();
    for (auto& responder : deferred)  // no-ops now
      responder.send(http::Response{200, {}, "late"});
    // Closed with a reset, so that neither end stays in TIME_WAIT: hundreds of thousands of
    // inputs would otherwise use up the ephemeral ports, and connect() slows to a crawl.
    const linger reset{1, 0};
    ::setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    ::close(client.fd);
  }();
  // Every handle the server opened is closed once it is stopped and gone.
  for (int i = 0; i < 100 && uv_loop_alive(&loop); ++i)
    uv_run(&loop, UV_RUN_NOWAIT);
  if (uv_loop_close(&loop) != 0) __builtin_trap();
  return 0;
}

std::vector<std::string> graced::fuzz::seeds() {
  // The first byte is the cut: 0x20 puts it 32 bytes in; 0x00 sends everything at once.
  return {
      std::string("\x10") +
          "GET /readyz HTTP/1.1\r\nHost: pod:8558\r\nUser-Agent: kube-probe/1.29\r\n\r\n",
      std::string("\x20") +
          "GET /livez HTTP/1.1\r\nHost: a\r\n\r\n"
          "GET /readyz?verbose HTTP/1.1\r\nHost: a\r\n\r\n"
          "HEAD /big HTTP/1.1\r\nHost: a\r\n\r\n"
          "GET /readyz?status HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
      std::string("\x33") +
          "GET /defer HTTP/1.1\r\nHost: a\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\n\r\n"
          "GET /defer HTTP/1.1\r\nHost: a\r\n\r\n",
      std::string("\x05") +
          "POST /prestop HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world"
          "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
          "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
      std::string("\x01") +
          "POST /up HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody",
      std::string("\x00", 1) + "GET /old HTTP/1.0\r\n\r\n",
      std::string("\x07") + "GET /big HTTP/1.1\r\nHost: a\r\nContent-Length: 99999\r\n\r\n",
      std::string("\x09") + "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
      std::string("\x02") + "GET /%2e%2e/a%20b?x=1&y=%zz HTTP/1.1\r\nHost: a\r\nX: " +
          std::string(1100, 'h') + "\r\n\r\n",
  };
}
