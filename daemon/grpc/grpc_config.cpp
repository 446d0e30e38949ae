#include "grpc/grpc_config.hpp"

#include <algorithm>

#include "health/probe.hpp"
#include "http/listen_address.hpp"

namespace graced {
namespace {

const config::SectionSpec& grpc_spec() {
  static const auto& spec = config::register_section({
      "grpc",
      "The gRPC health service (grpc.health.v1.Health: Check, Watch, List) over HTTP/2 "
      "cleartext. It is always served on the HTTP listener's port; `listen` adds a port of "
      "its own.",
      {
          {"listen", "string", "\"\"",
           "Address and port of a listener for gRPC only, e.g. \"0.0.0.0:8559\"; \"\" adds none "
           "(the HTTP listener's port answers gRPC too)."},
          {"services", "table of strings", "{}",
           "Application service names and what they stand for: a probe (\"readiness\", "
           "\"liveness\", \"startup\") or a check name, e.g. { \"user.v1.UserService\" = "
           "\"readiness\" }. \"\" and the probe names are always answered; so is every check's "
           "name."},
          {"max_concurrent_streams", "integer", "100",
           "Streams (calls) one HTTP/2 connection may have open at once "
           "(SETTINGS_MAX_CONCURRENT_STREAMS)."},
          {"max_connections", "integer", "128",
           "Open HTTP/2 connections at most, on both ports together; beyond it an idle one is "
           "closed, or the new one refused."},
          {"idle_timeout", "duration", "\"60s\"",
           "A connection with no open call for this long is closed (GOAWAY). Watch calls keep it "
           "open."},
      },
  });
  return spec;
}
[[maybe_unused]] const bool kRegistered = (grpc_spec(), true);

bool printable(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u != 0x7f;
  });
}

}  // namespace

GrpcConfig parse_grpc_config(config::Section& root) {
  GrpcConfig c;
  config::Section s = root.table("grpc", grpc_spec());
  if (auto v = s.string("listen")) {
    if (!v->empty()) {
      if (auto err = http::parse_listen_address(*v)) s.error("listen", *err);
    }
    c.listen = *v;
  }
  if (auto v = s.string_table("services")) {
    c.services_origin = s.origin("services");
    for (auto& [name, target] : *v) {
      if (name.empty() || !printable(name)) {
        s.error("services", "\"" + name + "\" is not a service name");
      } else if (health::parse_probe(name)) {
        s.error("services", "\"" + name + "\" is a probe name and always answered as that probe");
      } else {
        c.services.emplace_back(std::move(name), std::move(target));
      }
    }
  }
  if (auto v = s.integer("max_concurrent_streams", 1, 10000)) {
    c.max_concurrent_streams = static_cast<std::uint32_t>(*v);
  }
  if (auto v = s.integer("max_connections", 1, 1000000)) {
    c.max_connections = static_cast<std::uint32_t>(*v);
  }
  if (auto v = s.duration("idle_timeout")) c.idle_timeout = *v;
  if (c.idle_timeout.count() <= 0) s.error("idle_timeout", "must be greater than 0");
  s.check_unknown_keys();
  return c;
}

void emit_grpc_config(const GrpcConfig& c, config::Emitter::Table root) {
  auto t = root.sub("grpc");
  t.set("listen", c.listen);
  t.set_table("services", c.services);
  t.set("max_concurrent_streams", static_cast<std::int64_t>(c.max_concurrent_streams));
  t.set("max_connections", static_cast<std::int64_t>(c.max_connections));
  t.set_duration("idle_timeout", c.idle_timeout);
}

void validate_grpc_services(const GrpcConfig& c, const std::vector<std::string>& check_names,
                            config::Diagnostics& diags) {
  for (const auto& [name, target] : c.services) {
    if (target.empty() || health::parse_probe(target)) continue;
    if (std::find(check_names.begin(), check_names.end(), target) != check_names.end()) continue;
    diags.error(c.services_origin, "grpc.services." + name,
                "\"" + target + "\" is neither a probe (readiness, liveness, startup) nor a check");
  }
}

}  // namespace graced
