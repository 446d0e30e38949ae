// graced's gRPC health server (grpc::Server) running in the test process, on a libuv loop
// in a thread of its own, with a Health the test controls. Plain HTTP requests over
// HTTP/2 are answered by the real probe endpoints (endpoints::HealthEndpoint).
//
// Connections reach it the way they reach graced: through the server's own listener
// (grpc.listen), or through a stand-in for the HTTP/1.1 listener that reads a
// connection's first bytes and hands it over when they are the HTTP/2 preface (what
// kubelet's gRPC probe and grpc_health_probe send to the HTTP port).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>
#include <uv.h>

#include <csignal>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "endpoints/health_endpoint.hpp"
#include "grpc/grpc_server.hpp"
#include "health/health.hpp"
#include "http/h2_preface.hpp"
#include "http/listen_socket.hpp"

namespace graced::test {

enum class GrpcEntry {
  own_listener,     // grpc.listen
  handover,         // Server::adopt(uv_tcp_t*, bytes) after sniffing the preface
  handover_socket,  // Server::adopt_socket(fd, bytes)
};

struct GrpcServerSetup {
  grpc::ServerOptions options;             // `listen` is set by the fixture
  std::vector<health::CheckState> checks;  // added before the loop starts
  bool child_running = true;
  GrpcEntry entry = GrpcEntry::own_listener;
};

class GrpcLoopServer {
 public:
  explicit GrpcLoopServer(GrpcServerSetup setup = {});
  ~GrpcLoopServer();
  GrpcLoopServer(const GrpcLoopServer&) = delete;
  GrpcLoopServer& operator=(const GrpcLoopServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // Runs `fn` on the loop's thread and returns once it has run.
  void on_loop(const std::function<void(health::Health&, grpc::Server&)>& fn);
  // Sets a check's status (and ever_passed when passing), as the engine would.
  void set_check(const std::string& name, health::CheckStatus status);
  void set_shutting_down(const std::string& reason);
  grpc::Stats stats();
  // How many connections the HTTP/1.1 stand-in refused because they were not HTTP/2.
  int refused_http1();

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

// "OwnListener", "Handover", "HandoverSocket": names for parameterized tests.
inline std::string grpc_entry_name(const ::testing::TestParamInfo<GrpcEntry>& p) {
  switch (p.param) {
    case GrpcEntry::own_listener:
      return "OwnListener";
    case GrpcEntry::handover:
      return "Handover";
    case GrpcEntry::handover_socket:
      return "HandoverSocket";
  }
  return "Unknown";
}

// A check as the engine registers it, for GrpcServerSetup::checks.
health::CheckState grpc_test_check(const std::string& name, health::ProbeSet probes,
                                   health::CheckStatus status);

// Definitions: header-only, since only the gRPC tests use it.

inline health::CheckState grpc_test_check(const std::string& name, health::ProbeSet probes,
                                          health::CheckStatus status) {
  health::CheckState c;
  c.name = name;
  c.type = "tcp";
  c.probes = probes;
  c.status = status;
  c.ever_passed = status == health::CheckStatus::passing;
  return c;
}

// Everything that lives on the loop's thread.
struct GrpcLoopServer::Loop {
  uv_loop_t loop{};
  uv_async_t wake{};
  std::mutex mutex;
  std::deque<std::function<void()>> tasks;
  bool stopping = false;

  health::Health health;
  std::unique_ptr<endpoints::HealthEndpoint> endpoint;
  std::unique_ptr<grpc::Server> server;
  GrpcEntry entry = GrpcEntry::own_listener;
  http::ListenSocket sniffer;  // the HTTP/1.1 listener's stand-in
  int refused_http1 = 0;

  // A connection the stand-in accepted and is reading the first bytes of.
  struct Sniffed {
    Loop* owner = nullptr;
    uv_tcp_t* tcp = nullptr;
    std::string bytes;
    char buffer[4096];
  };

  void post(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      tasks.push_back(std::move(task));
    }
    uv_async_send(&wake);
  }

  void run_tasks() {
    std::deque<std::function<void()>> now;
    {
      std::lock_guard<std::mutex> lock(mutex);
      now.swap(tasks);
    }
    for (auto& t : now)
      t();
  }

  http::Response answer_http(const http::Request& req) {
    endpoints::ProbeRequest pr;
    pr.method = req.method;
    pr.path = req.path;
    pr.query = &req.query;
    pr.accept = req.header("accept").value_or("");
    pr.peer_is_loopback = req.peer_is_loopback;
    auto answer = endpoint->answer(pr);
    if (!answer) return {404, {{"Content-Type", "text/plain"}}, "not found\n"};
    return {answer->status, answer->headers, answer->body};
  }

  static void close_and_delete(uv_tcp_t* tcp) {
    uv_close(reinterpret_cast<uv_handle_t*>(tcp),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  }

  void on_sniffer_connection() {
    auto* s = new Sniffed;
    s->owner = this;
    s->tcp = new uv_tcp_t{};
    uv_tcp_init(&loop, s->tcp);
    if (uv_accept(reinterpret_cast<uv_stream_t*>(sniffer.get()),
                  reinterpret_cast<uv_stream_t*>(s->tcp)) != 0) {
      close_and_delete(s->tcp);
      delete s;
      return;
    }
    s->tcp->data = s;
    uv_read_start(
        reinterpret_cast<uv_stream_t*>(s->tcp),
        [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
          auto* sn = static_cast<Sniffed*>(h->data);
          *buf = uv_buf_init(sn->buffer, sizeof sn->buffer);
        },
        [](uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
          auto* sn = static_cast<Sniffed*>(stream->data);
          if (nread < 0) {
            close_and_delete(sn->tcp);
            delete sn;
            return;
          }
          sn->bytes.append(buf->base, static_cast<std::size_t>(nread));
          sn->owner->sniffed(sn);
        });
  }

  // Decides as the HTTP/1.1 listener does: hand over on the full preface, keep reading on
  // a prefix of it, refuse anything else (a real HTTP/1.1 request would be parsed there).
  void sniffed(Sniffed* s) {
    const auto match = http::match_h2_preface(s->bytes);
    if (match == http::PrefaceMatch::partial) return;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(s->tcp));
    if (match == http::PrefaceMatch::no) {
      ++refused_http1;
      close_and_delete(s->tcp);
    } else if (entry == GrpcEntry::handover) {
      s->tcp->data = nullptr;
      server->adopt(s->tcp, s->bytes);
    } else {
      uv_os_fd_t fd = -1;
      uv_fileno(reinterpret_cast<uv_handle_t*>(s->tcp), &fd);
      const int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
      close_and_delete(s->tcp);
      server->adopt_socket(copy, s->bytes);
    }
    delete s;
  }
};

inline GrpcLoopServer::GrpcLoopServer(GrpcServerSetup setup) : loop_(std::make_unique<Loop>()) {
  // A client that hangs up while the server writes must not kill the test process.
  std::signal(SIGPIPE, SIG_IGN);
  Loop& l = *loop_;
  uv_loop_init(&l.loop);
  l.wake.data = &l;
  uv_async_init(&l.loop, &l.wake, [](uv_async_t* a) { static_cast<Loop*>(a->data)->run_tasks(); });
  for (auto& c : setup.checks)
    l.health.add_check(std::move(c));
  l.health.set_child_running(setup.child_running);
  l.endpoint = std::make_unique<endpoints::HealthEndpoint>(
      l.health, std::vector<std::pair<health::Probe, std::string>>{},
      endpoints::ShowDetails::always);
  l.entry = setup.entry;
  setup.options.listen = setup.entry == GrpcEntry::own_listener ? "127.0.0.1:0" : "";
  l.server =
      std::make_unique<grpc::Server>(&l.loop, l.health, setup.options,
                                     [&l](const http::Request& req) { return l.answer_http(req); });
  if (auto err = l.server->start()) throw std::runtime_error(*err);
  if (setup.entry == GrpcEntry::own_listener) {
    port_ = static_cast<std::uint16_t>(l.server->port());
  } else {
    sockaddr_in addr{};
    uv_ip4_addr("127.0.0.1", 0, &addr);
    int rc = l.sniffer.open(&l.loop, reinterpret_cast<const sockaddr*>(&addr), [&l](int status) {
      if (status == 0) l.on_sniffer_connection();
    });
    if (rc != 0) throw std::runtime_error(std::string("listen: ") + uv_strerror(rc));
    port_ = static_cast<std::uint16_t>(l.sniffer.port());
  }
  thread_ = std::thread([&l] { uv_run(&l.loop, UV_RUN_DEFAULT); });
}

inline GrpcLoopServer::~GrpcLoopServer() {
  Loop& l = *loop_;
  l.post([&l] {
    l.server.reset();  // closes every connection at once
    l.sniffer.close();
    uv_close(reinterpret_cast<uv_handle_t*>(&l.wake), nullptr);
  });
  thread_.join();
  uv_loop_close(&l.loop);
}

inline void GrpcLoopServer::on_loop(const std::function<void(health::Health&, grpc::Server&)>& fn) {
  std::promise<void> done;
  auto future = done.get_future();
  Loop& l = *loop_;
  l.post([&] {
    fn(l.health, *l.server);
    done.set_value();
  });
  future.wait();
}

inline void GrpcLoopServer::set_check(const std::string& name, health::CheckStatus status) {
  bool found = false;
  on_loop([&](health::Health& h, grpc::Server&) {
    for (std::size_t i = 0; i < h.checks().size(); ++i) {
      if (h.checks()[i].name != name) continue;
      health::CheckState s = h.checks()[i];
      s.status = status;
      if (status == health::CheckStatus::passing) s.ever_passed = true;
      h.update_check(i, s);
      found = true;
      return;
    }
  });
  if (!found) throw std::runtime_error("no check " + name);
}

inline void GrpcLoopServer::set_shutting_down(const std::string& reason) {
  on_loop([&](health::Health& h, grpc::Server&) { h.set_shutting_down(reason); });
}

inline grpc::Stats GrpcLoopServer::stats() {
  grpc::Stats out;
  on_loop([&](health::Health&, grpc::Server& s) { out = s.stats(); });
  return out;
}

inline int GrpcLoopServer::refused_http1() {
  int out = 0;
  on_loop([&](health::Health&, grpc::Server&) { out = loop_->refused_http1; });
  return out;
}

}  // namespace graced::test
