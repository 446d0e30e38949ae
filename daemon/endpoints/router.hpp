// Routes requests on graced's HTTP listener: the probe endpoints, the pre-stop endpoint
// and (when enabled) metrics. The same routing answers HTTP/1.1 and HTTP/2 requests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "endpoints/health_endpoint.hpp"
#include "endpoints/http_config.hpp"
#include "http/message.hpp"
#include "http/responder.hpp"
#include "lifecycle/cidr.hpp"
#include "lifecycle/lifecycle_config.hpp"

namespace graced::endpoints {

class Router {
 public:
  // Starts the shutdown sequence and calls back once the drain window is over.
  using PrestopHandler = std::function<void(std::function<void()> drained)>;
  // Renders /metrics.
  using MetricsHandler = std::function<std::string()>;

  Router(const health::Health& health, const HttpConfig& http, const ShutdownConfig& shutdown);

  void set_prestop_handler(PrestopHandler handler) { prestop_ = std::move(handler); }
  void set_metrics(std::string path, MetricsHandler handler);

  // HTTP/1.1: may answer later (the pre-stop endpoint does).
  void handle(const http::Request& request, http::Responder responder);
  // Answers at once; the pre-stop endpoint is HTTP/1.1 only (the kubelet's httpGet).
  http::Response answer(const http::Request& request);

  // A bounded label for metrics: "probe", "check", "metrics", "prestop", "other" (views of
  // string literals, so they never dangle).
  static std::string_view path_class(std::string_view path);
  // Answers sent so far, by path class and status code (HTTP/1.1 and HTTP/2 alike).
  const std::map<std::pair<std::string_view, int>, std::uint64_t>& request_counts() const {
    return counts_;
  }

 private:
  const health::Health& health_;
  HealthEndpoint endpoint_;
  std::string prestop_path_;
  std::vector<Cidr> prestop_allow_;
  PrestopHandler prestop_;
  std::string metrics_path_;
  MetricsHandler metrics_;
  std::map<std::pair<std::string_view, int>, std::uint64_t> counts_;

  http::Response respond(const http::Request& request);
  void count(std::string_view path_class, int status) { ++counts_[{path_class, status}]; }
};

}  // namespace graced::endpoints
