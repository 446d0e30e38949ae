#include "manifest/manifest.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>
#include <optional>

#include "health/probe.hpp"
#include "http/listen_address.hpp"
#include "manifest/json_writer.hpp"
#include "manifest/yaml_writer.hpp"

namespace graced::manifest {
namespace {

using health::Probe;

constexpr long kMillisPerSecond = 1000;

long ceil_seconds(config::Duration d) {
  const long ms = static_cast<long>(d.count());
  return ms <= 0 ? 0 : (ms + kMillisPerSecond - 1) / kMillisPerSecond;
}

// The same rule as Health::feeds: startup checks are the ones naming startup, else the
// readiness checks.
std::vector<const probes::CheckConfig*> startup_checks(const DaemonConfig& c) {
  const bool explicit_startup = std::any_of(
      c.checks.begin(), c.checks.end(), [](const auto& k) { return k.probes.has(Probe::startup); });
  std::vector<const probes::CheckConfig*> out;
  for (const auto& k : c.checks)
    if (k.probes.has(explicit_startup ? Probe::startup : Probe::readiness)) out.push_back(&k);
  return out;
}

bool is_loopback(const http::ListenAddress& a) {
  if (a.ipv6) {
    in6_addr v6{};
    return inet_pton(AF_INET6, a.host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return a.host.rfind("127.", 0) == 0;
}

// A listener's address, for a port Kubernetes must be told. Errors are phrased for the
// configuration key that holds it.
struct Port {
  std::optional<std::uint16_t> number;
  std::string error;  // when number is empty
  bool loopback = false;
};

Port port_of(const std::string& key, const std::string& listen) {
  http::ListenAddress a;
  if (auto err = http::parse_listen_address(listen, &a)) return {std::nullopt, key + ": " + *err};
  if (a.port == 0) {
    return {std::nullopt,
            key + " \"" + listen +
                "\" has port 0, which the kernel picks at start: Kubernetes needs a fixed port "
                "(e.g. 0.0.0.0:8558)"};
  }
  return {a.port, "", is_loopback(a)};
}

std::string loopback_warning(const std::string& key, const std::string& listen,
                             const std::string& what) {
  return key + " \"" + listen +
         "\" only accepts loopback connections: the kubelet connects to the pod's IP, so " + what +
         " would fail (listen on 0.0.0.0 or [::])";
}

Value probe_value(const Options& o, Probe probe, std::uint16_t port, const ProbeTiming& t) {
  Value v = Value::map();
  if (o.probe == ProbeKind::grpc) {
    Value& grpc = v.set("grpc", Value::map());
    grpc.set("port", Value::integer(port));
    grpc.set("service", Value::string(std::string(health::probe_name(probe))));
  } else {
    Value& get = v.set("httpGet", Value::map());
    get.set("path", Value::string("/" + std::string(health::probe_path_word(probe))));
    get.set("port", Value::integer(port));
  }
  v.set("periodSeconds", Value::integer(t.period_seconds));
  v.set("timeoutSeconds", Value::integer(t.timeout_seconds));
  if (t.success_threshold > 0) v.set("successThreshold", Value::integer(t.success_threshold));
  v.set("failureThreshold", Value::integer(t.failure_threshold));
  return v;
}

// RFC 1123 label: what Kubernetes accepts as a container name and as a label value here.
bool is_dns_label(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

}  // namespace

StartupWindow startup_window(const DaemonConfig& c) {
  StartupWindow w;
  for (const auto& h : c.hooks)
    if (h.phase == HookPhase::pre_start) w.pre_start_hooks += h.timeout;
  w.wait_timeout = c.startup.wait_timeout;
  for (const auto* k : startup_checks(c)) {
    const config::Duration d = k->initial_delay + static_cast<long>(k->success_threshold) *
                                                      (k->interval + k->jitter + k->timeout);
    if (w.slowest_check_name.empty() || d > w.slowest_check) {
      w.slowest_check = d;
      w.slowest_check_name = k->name;
    }
  }
  return w;
}

ProbeTiming startup_timing(const DaemonConfig& c) {
  ProbeTiming t;
  t.period_seconds = 1;
  t.timeout_seconds = 1;
  t.failure_threshold = std::max(1L, ceil_seconds(startup_window(c).total()));
  return t;
}

ProbeTiming liveness_timing(const DaemonConfig&) {
  ProbeTiming t;
  t.period_seconds = 10;
  t.timeout_seconds = 1;
  t.failure_threshold = 3;
  return t;
}

ProbeTiming readiness_timing(const DaemonConfig& c) {
  ProbeTiming t;
  t.period_seconds = c.shutdown.drain_delay < config::Duration{4000} ? 1 : 2;
  t.timeout_seconds = 1;
  t.failure_threshold = 1;
  t.success_threshold = 1;
  return t;
}

std::variant<Manifest, ManifestError> build_manifest(const DaemonConfig& c, const Options& o) {
  Manifest m;
  if (!is_dns_label(o.container)) {
    return ManifestError{"--container: \"" + o.container +
                         "\" is not a valid container name (lowercase letters, digits and '-', "
                         "at most 63, starting and ending with a letter or digit)"};
  }

  // The ports the probes and preStop use must be known; the others are listed when they are.
  std::optional<Port> http_port;
  if (!c.http.listen.empty()) http_port = port_of("http.listen", c.http.listen);
  std::optional<Port> grpc_port;
  if (!c.grpc.listen.empty()) grpc_port = port_of("grpc.listen", c.grpc.listen);

  const Port* probe_port = nullptr;
  const std::string* probe_listen = nullptr;
  std::string probe_key;
  if (o.probe == ProbeKind::http) {
    if (!http_port) {
      return ManifestError{
          "--probe http needs graced's HTTP listener, but http.listen is \"\" (set "
          "http.listen, or use --probe grpc with grpc.listen)"};
    }
    probe_port = &*http_port;
    probe_listen = &c.http.listen;
    probe_key = "http.listen";
  } else if (grpc_port) {
    // A port of its own was asked for gRPC: that is where gRPC clients are pointed.
    probe_port = &*grpc_port;
    probe_listen = &c.grpc.listen;
    probe_key = "grpc.listen";
  } else if (http_port) {
    probe_port = &*http_port;  // h2c on the HTTP port
    probe_listen = &c.http.listen;
    probe_key = "http.listen";
  } else {
    return ManifestError{
        "--probe grpc needs a port that serves gRPC, but http.listen is \"\" and grpc.listen "
        "is not set"};
  }
  if (!probe_port->number) return ManifestError{probe_port->error};
  if (probe_port->loopback)
    m.warnings.push_back(loopback_warning(probe_key, *probe_listen, "the probes"));
  const bool prestop = !c.shutdown.prestop_path.empty();
  if (prestop) {
    // Validation guarantees the HTTP listener; the endpoint is served on HTTP/1.1 only.
    if (!http_port) return ManifestError{"shutdown.prestop_path needs http.listen"};
    if (!http_port->number) return ManifestError{http_port->error};
    if (http_port->loopback && probe_key != "http.listen")
      m.warnings.push_back(loopback_warning("http.listen", c.http.listen, "the preStop hook"));
  }

  Value container = Value::map();
  container.set("name", Value::string(o.container));
  if (o.image) {
    container.set("image", Value::string(*o.image));
    // graced is the entrypoint; the service's command follows "--".
    container.set("command", Value::strings({"graced", "--"}));
    if (!c.process.command.empty()) {
      container.set("args", Value::strings(c.process.command));
    } else {
      container.comment("args: the service's command, e.g. [\"myapp\", \"--port\", \"8080\"]");
    }
  }

  Value ports = Value::list();
  std::vector<std::uint16_t> listed;
  auto add_port = [&](const std::string& name, std::uint16_t number) {
    if (std::find(listed.begin(), listed.end(), number) != listed.end()) return;
    listed.push_back(number);
    Value& p = ports.push(Value::map());
    p.set("name", Value::string(name));
    p.set("containerPort", Value::integer(number));
  };
  if (http_port) {
    if (http_port->number) {
      add_port("graced", *http_port->number);
    } else {
      m.warnings.push_back(http_port->error + "; it is left out of ports");
    }
  }
  if (grpc_port) {
    if (grpc_port->number) {
      add_port("graced-grpc", *grpc_port->number);
    } else {
      m.warnings.push_back(grpc_port->error + "; it is left out of ports");
    }
  }
  for (std::size_t i = 0; i < c.process.ports.size(); ++i)
    add_port(i == 0 ? "app" : "app-" + std::to_string(i + 1), c.process.ports[i]);
  container.set("ports", std::move(ports));

  const std::uint16_t port = *probe_port->number;
  const StartupWindow w = startup_window(c);
  const ProbeTiming startup = startup_timing(c);
  std::string startup_note =
      "failureThreshold x periodSeconds = " +
      std::to_string(startup.failure_threshold * startup.period_seconds) +
      "s covers graced's start: pre-start hooks (" + config::format_duration(w.pre_start_hooks) +
      ")\n+ startup.wait_timeout (" + config::format_duration(w.wait_timeout) + ")";
  if (!w.slowest_check_name.empty()) {
    startup_note += " + the slowest startup check, \"" + w.slowest_check_name +
                    "\": initial_delay\n+ success_threshold x (interval + jitter + timeout) = " +
                    config::format_duration(w.slowest_check);
  }
  container.comment(startup_note + ".");
  container.set("startupProbe", probe_value(o, Probe::startup, port, startup));
  container.comment(
      "graced answers from cached state and applies each check's thresholds itself:\n"
      "liveness allows three misses (a restart is expensive), readiness none.");
  container.set("livenessProbe", probe_value(o, Probe::liveness, port, liveness_timing(c)));
  container.set("readinessProbe", probe_value(o, Probe::readiness, port, readiness_timing(c)));

  if (prestop) {
    Value& lifecycle = container.set("lifecycle", Value::map());
    Value& get = lifecycle.set("preStop", Value::map()).set("httpGet", Value::map());
    get.set("path", Value::string(c.shutdown.prestop_path));
    get.set("port", Value::integer(*http_port->number));
  } else {
    const std::string note =
        "no preStop: the kubelet's SIGTERM starts graced's drain by itself (readiness fails\n"
        "at once; the service gets its stop signal after shutdown.drain_delay, " +
        config::format_duration(c.shutdown.drain_delay) +
        ").\nSet shutdown.prestop_path for an httpGet preStop instead.";
    m.notes.push_back(note);
    container.comment(note);
  }

  const long grace = shutdown_budget(c).termination_grace_period_seconds;
  const std::string grace_note =
      "terminationGracePeriodSeconds: shutdown.grace_period (" +
      config::format_duration(c.shutdown.grace_period) + ") + post_stop_timeout (" +
      config::format_duration(c.shutdown.post_stop_timeout) + ") + 2s,\nrounded up";
  Value doc = Value::map();
  doc.comment(
      "graced manifest: the Kubernetes fields that must agree with graced's "
      "configuration\n(from " +
      (c.source == "defaults" ? std::string("the built-in defaults") : c.source) + ").");
  if (o.image) {
    doc.set("apiVersion", Value::string("apps/v1"));
    doc.set("kind", Value::string("Deployment"));
    doc.set("metadata", Value::map()).set("name", Value::string(o.container));
    Value& spec = doc.set("spec", Value::map());
    spec.set("replicas", Value::integer(2));
    spec.set("selector", Value::map())
        .set("matchLabels", Value::map())
        .set("app", Value::string(o.container));
    Value& tmpl = spec.set("template", Value::map());
    tmpl.set("metadata", Value::map())
        .set("labels", Value::map())
        .set("app", Value::string(o.container));
    Value& pod = tmpl.set("spec", Value::map());
    pod.comment(grace_note + ".");
    pod.set("terminationGracePeriodSeconds", Value::integer(grace));
    pod.set("containers", Value::list()).push(std::move(container));
  } else {
    doc.comment(grace_note + "; it belongs to the pod spec, beside containers.");
    doc.set("terminationGracePeriodSeconds", Value::integer(grace));
    doc.set("container", std::move(container));
  }
  m.document = std::move(doc);
  return m;
}

int run_manifest_command(const DaemonConfig& config, const Options& options, std::string& out,
                         std::string& err) {
  auto built = build_manifest(config, options);
  if (auto* e = std::get_if<ManifestError>(&built)) {
    err += "graced manifest: " + e->message + "\n";
    return 2;
  }
  const auto& m = std::get<Manifest>(built);
  for (const auto& w : m.warnings)
    err += "graced manifest: warning: " + w + "\n";
  if (options.format == Format::json) {
    for (auto n : m.notes) {
      std::replace(n.begin(), n.end(), '\n', ' ');  // one line each on stderr
      err += "graced manifest: note: " + n + "\n";
    }
    out += to_json(m.document);
  } else {
    out += to_yaml(m.document);
  }
  return 0;
}

std::string manifest_usage() {
  return R"(Usage: graced manifest [-c FILE] [--set KEY=VALUE]... [--probe http|grpc]
                       [--format yaml|json] [--container NAME] [--deployment IMAGE]
                       [-- COMMAND [ARGS...]]

Prints the Kubernetes container fields that must agree with graced's configuration,
computed from the same configuration graced would run with: startupProbe, livenessProbe
and readinessProbe on graced's port, lifecycle.preStop when shutdown.prestop_path is set,
ports, and the pod's terminationGracePeriodSeconds (from the shutdown budget).

Options:
  -c, --config FILE       configuration file (default: $GRACED_CONFIG, then
                          /etc/graced/graced.toml if it exists, else built-in defaults)
      --set KEY=VALUE     override one key, e.g. --set shutdown.grace_period=40s
      --probe KIND        http (default): httpGet /startupz, /livez, /readyz;
                          grpc: grpc probes with service startup, liveness, readiness
      --format FMT        yaml (default) or json
      --container NAME    the container's name (default: app)
      --deployment IMAGE  a whole apps/v1 Deployment running IMAGE, with graced as the
                          command and process.command as its args

Exit status: 0; 2 for a usage or configuration error, or when a probe's port cannot be
known (no listener, or port 0).
)";
}

}  // namespace graced::manifest
