#include "endpoints/router.hpp"

#include "log/log.hpp"

namespace graced::endpoints {
namespace {

http::Response text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

http::Response from(Answer a) {
  http::Response r;
  r.status = a.status;
  r.body = std::move(a.body);
  r.headers = std::move(a.headers);
  return r;
}

}  // namespace

Router::Router(const health::Health& health, const HttpConfig& http, const ShutdownConfig& shutdown)
    : health_(health),
      endpoint_(health, http.aliases, http.show_details),
      prestop_path_(shutdown.prestop_path) {
  for (const auto& c : shutdown.prestop_allow) {
    if (auto cidr = parse_cidr(c)) prestop_allow_.push_back(*cidr);
  }
}

void Router::set_metrics(std::string path, MetricsHandler handler) {
  metrics_path_ = std::move(path);
  metrics_ = std::move(handler);
}

std::string_view Router::path_class(std::string_view path) {
  for (std::string_view base : {"/livez", "/readyz", "/startupz", "/healthz"}) {
    if (!path.starts_with(base)) continue;
    const std::string_view rest = path.substr(base.size());
    if (rest.empty() || rest == "/") return "probe";
    if (rest.front() == '/') return "check";
  }
  if (path == "/metrics") return "metrics";
  return "other";
}

void Router::handle(const http::Request& req, http::Responder responder) {
  if (!prestop_path_.empty() && req.path == prestop_path_) {
    if (req.method != "GET" && req.method != "POST") {
      auto r = text(405, "method not allowed\n");
      r.headers.emplace_back("Allow", "GET, POST");
      count("prestop", 405);
      responder.send(std::move(r));
      return;
    }
    if (!address_allowed(req.peer_address, prestop_allow_)) {
      log::warn("pre-stop request refused", {{"peer", req.peer_address}});
      count("prestop", 403);
      responder.send(text(403, "forbidden\n"));
      return;
    }
    if (!prestop_) {
      count("prestop", 503);
      responder.send(text(503, "shutdown sequence unavailable\n"));
      return;
    }
    log::info("pre-stop request", {{"peer", req.peer_address}});
    prestop_([this, responder] {
      count("prestop", 200);
      responder.send(text(200, "drained\n"));
    });
    return;
  }
  responder.send(answer(req));
}

http::Response Router::answer(const http::Request& req) {
  http::Response r = respond(req);
  count(metrics_ && req.path == metrics_path_ ? "metrics" : path_class(req.path), r.status);
  return r;
}

http::Response Router::respond(const http::Request& req) {
  if (metrics_ && req.path == metrics_path_) {
    if (req.method != "GET" && req.method != "HEAD") {
      auto r = text(405, "method not allowed\n");
      r.headers.emplace_back("Allow", "GET, HEAD");
      return r;
    }
    http::Response r;
    r.body = metrics_();
    r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
  }
  ProbeRequest probe{req.method, req.path, &req.query, req.header("accept").value_or(""),
                     req.peer_is_loopback};
  if (auto a = endpoint_.answer(probe)) return from(std::move(*a));
  return text(404, "not found\n");
}

}  // namespace graced::endpoints
