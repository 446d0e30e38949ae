#include "endpoints/http_config.hpp"

#include <set>

#include "http/listen_address.hpp"

namespace graced {
namespace {

const config::SectionSpec& http_spec() {
  static const auto& spec = config::register_section({
      "http",
      "The HTTP listener: probes, metrics and the pre-stop endpoint. It also accepts "
      "HTTP/2 (h2c) for gRPC health on the same port.",
      {
          {"listen", "string", "\"0.0.0.0:8558\"",
           "Address and port, e.g. \"[::]:8558\" for IPv6; \"\" disables the listener."},
          {"paths", "table of arrays", "{}",
           "Extra paths per probe, e.g. { readiness = [\"/ready\"], liveness = [\"/health\"] }."},
          {"show_details", "string", "\"loopback\"",
           "Who sees failure messages in verbose and JSON output: \"loopback\" (clients on "
           "127.0.0.0/8 and ::1), \"always\" or \"never\"."},
          {"max_connections", "integer", "1024",
           "Open connections at most; beyond it the oldest idle one is closed, or the new one "
           "refused."},
          {"header_timeout", "duration", "\"10s\"",
           "Time a client has to send a request's headers (protects against slowloris), and "
           "to take the rest of an answer the socket would not take at once."},
          {"idle_timeout", "duration", "\"60s\"",
           "An idle keep-alive connection is closed after this long."},
      },
  });
  return spec;
}
[[maybe_unused]] const bool kRegistered = (http_spec(), true);

const config::SectionSpec& paths_spec() {
  static const config::SectionSpec spec{
      "http.paths",
      "",
      {{"startup", "array of strings", "[]", ""},
       {"liveness", "array of strings", "[]", ""},
       {"readiness", "array of strings", "[]", ""}},
  };
  return spec;
}

const char* details_name(endpoints::ShowDetails d) {
  switch (d) {
    case endpoints::ShowDetails::always:
      return "always";
    case endpoints::ShowDetails::never:
      return "never";
    case endpoints::ShowDetails::loopback:
      return "loopback";
  }
  return "loopback";
}

bool reserved_path(const std::string& p) {
  for (const char* r : {"/livez", "/readyz", "/startupz", "/healthz", "/metrics"}) {
    std::string base(r);
    if (p == base || p.rfind(base + "/", 0) == 0) return true;
  }
  return false;
}

}  // namespace

HttpConfig parse_http_config(config::Section& root) {
  HttpConfig c;
  config::Section s = root.table("http", http_spec());
  if (auto v = s.string("listen")) {
    if (!v->empty()) {
      if (auto err = http::parse_listen_address(*v)) s.error("listen", *err);
    }
    c.listen = *v;
  }
  config::Section paths = s.table("paths", paths_spec());
  std::set<std::string> seen;
  for (auto probe : {health::Probe::startup, health::Probe::liveness, health::Probe::readiness}) {
    auto key = health::probe_name(probe);
    if (auto list = paths.string_list(key)) {
      for (const auto& p : *list) {
        if (p.empty() || p[0] != '/' || p.find_first_of("?# ") != std::string::npos) {
          paths.error(key, "\"" + p + "\" is not a path (it must start with /)");
        } else if (reserved_path(p)) {
          paths.error(key, "\"" + p + "\" is one of graced's own paths");
        } else if (!seen.insert(p).second) {
          paths.error(key, "\"" + p + "\" is given twice");
        } else {
          c.aliases.emplace_back(probe, p);
        }
      }
    }
  }
  paths.check_unknown_keys();
  if (auto v = s.string("show_details")) {
    if (*v == "loopback") {
      c.show_details = endpoints::ShowDetails::loopback;
    } else if (*v == "always") {
      c.show_details = endpoints::ShowDetails::always;
    } else if (*v == "never") {
      c.show_details = endpoints::ShowDetails::never;
    } else {
      s.error("show_details", "\"" + *v + "\" is not one of \"loopback\", \"always\", \"never\"");
    }
  }
  if (auto v = s.integer("max_connections", 1, 1000000)) {
    c.max_connections = static_cast<std::uint32_t>(*v);
  }
  if (auto v = s.duration("header_timeout")) c.header_timeout = *v;
  if (auto v = s.duration("idle_timeout")) c.idle_timeout = *v;
  if (c.header_timeout.count() <= 0) s.error("header_timeout", "must be greater than 0");
  if (c.idle_timeout.count() <= 0) s.error("idle_timeout", "must be greater than 0");
  s.check_unknown_keys();
  return c;
}

void emit_http_config(const HttpConfig& c, config::Emitter::Table root) {
  auto t = root.sub("http");
  t.set("listen", c.listen);
  t.set("show_details", details_name(c.show_details));
  t.set("max_connections", static_cast<std::int64_t>(c.max_connections));
  t.set_duration("header_timeout", c.header_timeout);
  t.set_duration("idle_timeout", c.idle_timeout);
  auto p = t.sub("paths");
  for (auto probe : {health::Probe::startup, health::Probe::liveness, health::Probe::readiness}) {
    std::vector<std::string> list;
    for (const auto& [pr, path] : c.aliases)
      if (pr == probe) list.push_back(path);
    if (!list.empty()) p.set_list(health::probe_name(probe), list);
  }
}

}  // namespace graced
