#include "endpoints/health_endpoint.hpp"

#include <cstdio>
#include <ctime>

#include "log/log.hpp"

namespace graced::endpoints {
namespace {

constexpr std::string_view kText = "text/plain; charset=utf-8";
constexpr std::string_view kJson = "application/json";

bool wants_json(const ProbeRequest& req) {
  if (req.query) {
    for (const auto& [k, v] : *req.query)
      if (k == "format") return v == "json";
  }
  return req.accept.find("application/json") != std::string_view::npos;
}

bool has_flag(const ProbeRequest& req, std::string_view name) {
  if (!req.query) return false;
  for (const auto& [k, v] : *req.query) {
    // `?verbose`, `?verbose=1`, `?verbose=true`; `?verbose=false` and `=0` turn it off.
    if (k == name) return v != "0" && v != "false";
  }
  return false;
}

std::vector<std::string_view> excluded(const ProbeRequest& req) {
  std::vector<std::string_view> out;
  if (!req.query) return out;
  for (const auto& [k, v] : *req.query)
    if (k == "exclude") out.push_back(v);
  return out;
}

Answer make(int status, std::string body, std::string_view type) {
  Answer a;
  a.status = status;
  a.body = std::move(body);
  a.headers.emplace_back("Content-Type", std::string(type));
  a.headers.emplace_back("Cache-Control", "no-store");
  return a;
}

std::string format_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", ms);
  return buf;
}

std::string entry_json(const health::Entry& e, bool details) {
  std::string out = "{\"status\":\"" + std::string(health::status_name(e.status)) + "\"";
  if (details && !e.message.empty()) {
    out += ",\"message\":\"" + log::json_escape(e.message) + "\"";
  }
  if (e.check) {
    const auto& c = *e.check;
    out += ",\"type\":\"" + log::json_escape(c.type) + "\"";
    out += ",\"duration_ms\":" + format_ms(c.duration_ms);
    out += ",\"since\":\"" + rfc3339(c.since) + "\"";
    out += ",\"consecutive_failures\":" + std::to_string(c.consecutive_failures);
    out += ",\"consecutive_successes\":" + std::to_string(c.consecutive_successes);
  }
  return out + "}";
}

}  // namespace

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

HealthEndpoint::HealthEndpoint(const health::Health& health,
                               const std::vector<std::pair<health::Probe, std::string>>& aliases,
                               ShowDetails show_details)
    : health_(health), show_details_(show_details) {
  routes_["/livez"] = {health::Probe::liveness, "livez"};
  routes_["/healthz"] = {health::Probe::liveness, "healthz"};
  routes_["/readyz"] = {health::Probe::readiness, "readyz"};
  routes_["/startupz"] = {health::Probe::startup, "startupz"};
  for (const auto& [probe, path] : aliases) {
    routes_[path] = {probe, std::string(health::probe_path_word(probe))};
  }
}

bool HealthEndpoint::details_allowed(const ProbeRequest& req) const {
  switch (show_details_) {
    case ShowDetails::always:
      return true;
    case ShowDetails::never:
      return false;
    case ShowDetails::loopback:
      return req.peer_is_loopback;
  }
  return false;
}

std::optional<Answer> HealthEndpoint::answer(const ProbeRequest& req) const {
  std::string_view path = req.path;
  // A trailing slash is the same path (kube-apiserver accepts /readyz/ too).
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const Route* route = nullptr;
  std::string_view check;
  if (auto it = routes_.find(path); it != routes_.end()) {
    route = &it->second;
  } else {
    for (const auto& [prefix, r] : routes_) {
      if (prefix != "/livez" && prefix != "/readyz" && prefix != "/startupz") continue;
      if (path.size() > prefix.size() + 1 && path.substr(0, prefix.size()) == prefix &&
          path[prefix.size()] == '/') {
        route = &r;
        check = path.substr(prefix.size() + 1);
        break;
      }
    }
  }
  if (!route) return std::nullopt;
  if (req.method != "GET" && req.method != "HEAD") {
    Answer a = make(405, "method not allowed\n", kText);
    a.headers.emplace_back("Allow", "GET, HEAD");
    return a;
  }
  if (!check.empty()) return check_answer(route->probe, check, req);
  return probe_answer(*route, req);
}

Answer HealthEndpoint::probe_answer(const Route& route, const ProbeRequest& req) const {
  const auto skip = excluded(req);
  const bool ok = health_.passing_without(route.probe, skip);
  const int status = ok ? 200 : 503;
  const bool json = wants_json(req);
  // The plain answer needs no entries; probes poll it, so it builds none.
  if (!json && !has_flag(req, "verbose")) {
    return make(status, ok ? "ok" : route.word + " check failed", kText);
  }
  const bool details = details_allowed(req);
  const auto entries = health_.entries(route.probe);

  if (json) {
    std::string body = "{\"probe\":\"" + std::string(health::probe_name(route.probe)) +
                       "\",\"status\":\"" + (ok ? "pass" : "fail") + "\",\"checks\":{";
    bool first = true;
    for (const auto& e : entries) {
      bool skipped = false;
      for (auto x : skip)
        if (x == e.name) skipped = true;
      if (skipped) continue;
      if (!first) body += ",";
      first = false;
      body += "\"" + log::json_escape(e.name) + "\":" + entry_json(e, details);
    }
    body += "}}\n";
    return make(status, std::move(body), kJson);
  }

  std::string body;
  std::vector<std::string_view> unmatched(skip.begin(), skip.end());
  for (const auto& e : entries) {
    bool skipped = false;
    for (auto& x : unmatched) {
      if (x == e.name) {
        skipped = true;
        x = {};
      }
    }
    if (skipped) {
      body += "[+]" + std::string(e.name) + " excluded: ok\n";
      continue;
    }
    switch (e.status) {
      case health::CheckStatus::passing:
        body += "[+]" + std::string(e.name) + " ok\n";
        break;
      case health::CheckStatus::unknown:
        body += "[?]" + std::string(e.name) + " unknown";
        if (details && !e.message.empty()) body += ": " + std::string(e.message);
        body += "\n";
        break;
      case health::CheckStatus::failing:
        body += "[-]" + std::string(e.name) + " failed";
        body += details ? (e.message.empty() ? "" : ": " + std::string(e.message))
                        : ": reason withheld";
        body += "\n";
        break;
    }
  }
  for (auto x : unmatched) {
    if (!x.empty()) {
      body += "warn: some health checks cannot be excluded: no matches for \"" + std::string(x) +
              "\"\n";
    }
  }
  if (details && !health_.service_status().empty()) {
    body += "status: " + health_.service_status() + "\n";
  }
  body += route.word + (ok ? " check passed\n" : " check failed\n");
  return make(status, std::move(body), kText);
}

Answer HealthEndpoint::check_answer(health::Probe probe, std::string_view name,
                                    const ProbeRequest& req) const {
  for (const auto& e : health_.entries(probe)) {
    if (e.name != name) continue;
    const int status = e.counts_as_passing ? 200 : 503;
    if (wants_json(req)) {
      return make(status,
                  "{\"name\":\"" + log::json_escape(e.name) + "\"," +
                      entry_json(e, details_allowed(req)).substr(1) + "\n",
                  kJson);
    }
    if (e.counts_as_passing) return make(200, "ok", kText);
    std::string body = "[-]" + std::string(e.name) + " failed";
    if (details_allowed(req) && !e.message.empty()) body += ": " + std::string(e.message);
    return make(503, body + "\n", kText);
  }
  return make(
      404,
      "no check \"" + std::string(name) + "\" on " + std::string(health::probe_name(probe)) + "\n",
      kText);
}

}  // namespace graced::endpoints
