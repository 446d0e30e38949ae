#include "daemon.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <optional>

#include "endpoints/router.hpp"
#include "grpc/grpc_server.hpp"
#include "health/health.hpp"
#include "hooks/lifecycle_hooks.hpp"
#include "http/server.hpp"
#include "lifecycle/lifecycle.hpp"
#include "log/log.hpp"
#include "loop/handle.hpp"
#include "metrics/daemon_metrics.hpp"
#include "notify/notify_socket.hpp"
#include "probes/engine/check_engine.hpp"
#include "process/spawner.hpp"
#include "supervisor/signal_policy.hpp"
#include "supervisor/signal_source.hpp"
#include "supervisor/supervisor.hpp"

namespace graced {
namespace {

void become_subreaper() {
  if (getpid() == 1) return;
  // Not PID 1: orphans of the service are re-parented to graced and reaped here rather
  // than by the real init.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    log::warn("cannot become a child subreaper; orphans will be reaped by init",
              {{"error", std::strerror(errno)}});
  }
}

http::ServerOptions server_options(const HttpConfig& c) {
  http::ServerOptions o;
  o.listen = c.listen;
  o.max_connections = c.max_connections;
  o.header_timeout = c.header_timeout;
  o.idle_timeout = c.idle_timeout;
  return o;
}

// On exit the gRPC server sends GOAWAY and ends its Watch streams with a status; the loop
// runs until those last frames are out, bounded by the server's close grace.
void finish_grpc(uv_loop_t* loop, grpc::Server& server) {
  server.shutdown();
  bool expired = false;
  loop::Timer deadline(loop);
  deadline.start(static_cast<std::uint64_t>(server.options().close_grace.count()),
                 [&] { expired = true; });
  while (!expired && server.stats().connections_open > 0)
    uv_run(loop, UV_RUN_ONCE);
}

}  // namespace

int run_daemon(const DaemonConfig& config, const process::InheritedSignals& inherited) {
  become_subreaper();
  const pid_t self = getpid();

  uv_loop_t loop;
  uv_loop_init(&loop);
  int exit_code = 1;
  bool done = false;
  {
    process::Spawner spawner(inherited);
    health::Health health;
    probes::CheckEngine checks(&loop, spawner, health, config.checks);
    supervisor::Supervisor supervisor(&loop, spawner, config.process, config.signals);
    hooks::LifecycleHooks hooks(&loop, spawner, config.hooks);
    std::unique_ptr<http::Server> server;
    Lifecycle lifecycle({&loop, supervisor, health, checks, hooks}, config.shutdown, config.startup,
                        config.process, [&](int code) {
                          exit_code = code;
                          done = true;
                          uv_stop(&loop);
                        });

    // Made once every part it reads exists (below); signals may arrive before.
    std::unique_ptr<metrics::DaemonMetrics> metrics;

    supervisor::SignalSource signals(&loop, [&](const supervisor::ReceivedSignal& sig) {
      if (sig.signo == SIGCHLD) {
        spawner.reap();
        supervisor.on_reaped();
        return;
      }
      if (metrics) metrics->signal_received(sig.signo);
      if (!supervisor::should_forward(sig, self)) return;
      if (lifecycle.on_signal(sig.signo)) return;
      supervisor.forward(sig);
      if (metrics && supervisor.child_running())
        metrics->signal_forwarded(supervisor::rewrite_signal(sig.signo, config.signals.rewrite));
    });

    std::unique_ptr<notify::NotifySocket> notify;
    if (config.process.notify) {
      notify = std::make_unique<notify::NotifySocket>(&loop, health, config.process.watchdog);
      std::optional<process::Credentials> creds;
      if (!config.process.user.empty() || !config.process.group.empty()) {
        auto c = process::resolve_credentials(config.process.user, config.process.group);
        if (auto* ok = std::get_if<process::Credentials>(&c)) creds = *ok;
      }
      if (auto err = notify->open(creds)) {
        log::error("cannot create the sd_notify socket: " + *err);
        exit_code = 1;
        done = true;
      }
      supervisor.set_env_editor(
          [&](std::vector<std::string>& env) { notify->apply_child_env(env); });
      supervisor.set_pid_variable(notify->watchdog_pid_variable());
      supervisor.on_started([&](pid_t pid) { notify->set_child(pid); });
      supervisor.on_exit([&](const process::ExitStatus&) { notify->child_exited(); });
      notify->on_stopping([&] { lifecycle.on_service_stopping(); });
    }

    endpoints::Router router(health, config.http, config.shutdown);
    router.set_prestop_handler(
        [&](std::function<void()> drained) { lifecycle.on_prestop_request(std::move(drained)); });
    // gRPC health answers on the HTTP port (connections that open with the HTTP/2 preface
    // are handed over) and, with grpc.listen, on a port of its own.
    grpc::Server grpc_server(&loop, health, grpc::server_options(config.grpc),
                             [&](const http::Request& req) { return router.answer(req); });
    if (auto err = grpc_server.start()) {
      log::error(*err);
      exit_code = 1;
      done = true;
    } else if (!config.grpc.listen.empty()) {
      log::info("listening for gRPC",
                {{"address", config.grpc.listen}, {"port", grpc_server.port()}});
    }
    if (!config.http.listen.empty()) {
      http::ServerOptions options = server_options(config.http);
      options.on_http2_preface = [&](uv_os_sock_t socket, std::string_view already_read) {
        grpc_server.adopt_socket(socket, already_read);
      };
      server = std::make_unique<http::Server>(
          &loop, std::move(options),
          [&](const http::Request& req, http::Responder r) { router.handle(req, std::move(r)); });
      if (auto err = server->start()) {
        log::error(*err);
        exit_code = 1;
        done = true;
      } else {
        log::info("listening", {{"address", config.http.listen}, {"port", server->port()}});
      }
    }

    if (config.metrics.enabled) {
      metrics = std::make_unique<metrics::DaemonMetrics>(
          metrics::Sources{&health, &checks, &lifecycle, &hooks, &spawner, &supervisor, &router,
                           server.get(), &grpc_server, notify.get()});
      supervisor.on_started([&](pid_t) { metrics->child_started(); });
      router.set_metrics(config.metrics.path, [&] { return metrics->render(); });
    }

    if (!done) lifecycle.start();
    while (!done)
      uv_run(&loop, UV_RUN_DEFAULT);
    if (server) server->stop();
    finish_grpc(&loop, grpc_server);
    checks.stop_all();
    spawner.reap();
  }
  // Closing callbacks of the handles released above run here.
  uv_run(&loop, UV_RUN_NOWAIT);
  if (uv_loop_close(&loop) != 0) {
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  }
  log::info("graced exiting", {{"exit_code", exit_code}});
  return exit_code;
}

}  // namespace graced
