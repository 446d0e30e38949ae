// The probe endpoints: /livez, /readyz, /startupz, /healthz, per-check paths, aliases,
// ?verbose, ?exclude=, JSON. Answers come from Health's cached state; nothing here runs a
// check or waits. Kept free of sockets so every answer can be tested directly.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "health/health.hpp"

namespace graced::endpoints {

// Who may see failure messages in verbose and JSON output.
enum class ShowDetails { loopback, always, never };

struct ProbeRequest {
  std::string_view method;
  std::string_view path;  // decoded, without the query
  const std::vector<std::pair<std::string, std::string>>* query = nullptr;
  std::string_view accept;  // the Accept header
  bool peer_is_loopback = false;
};

struct Answer {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Content-Type, Cache-Control, Allow
};

class HealthEndpoint {
 public:
  // `aliases`: extra paths per probe (http.paths).
  HealthEndpoint(const health::Health& health,
                 const std::vector<std::pair<health::Probe, std::string>>& aliases,
                 ShowDetails show_details);

  // nullopt when the path is not a probe path (another endpoint may own it).
  std::optional<Answer> answer(const ProbeRequest& request) const;

 private:
  struct Route {
    health::Probe probe;
    std::string word;  // "readyz", also for aliases; "healthz" for /healthz
  };
  Answer probe_answer(const Route& route, const ProbeRequest& req) const;
  Answer check_answer(health::Probe probe, std::string_view check, const ProbeRequest& req) const;
  bool details_allowed(const ProbeRequest& req) const;

  const health::Health& health_;
  std::map<std::string, Route, std::less<>> routes_;
  ShowDetails show_details_;
};

std::string rfc3339(std::chrono::system_clock::time_point t);

}  // namespace graced::endpoints
