#include "metrics/metrics_config.hpp"

#include "config/schema.hpp"

namespace graced {
namespace {

const config::SectionSpec& metrics_spec() {
  static const auto& spec = config::register_section({
      "metrics",
      "Prometheus metrics (text exposition format 0.0.4) on the HTTP listener.",
      {
          {"enabled", "bool", "true", "Serve the metrics endpoint."},
          {"path", "string", "\"/metrics\"",
           "Its path. It must not be one of the probe paths (/livez, /readyz, /startupz, "
           "/healthz and what is below them)."},
      },
  });
  return spec;
}
[[maybe_unused]] const bool kRegistered = (metrics_spec(), true);

bool probe_path(const std::string& p) {
  for (const char* r : {"/livez", "/readyz", "/startupz", "/healthz"}) {
    const std::string base(r);
    if (p == base || p.rfind(base + "/", 0) == 0) return true;
  }
  return false;
}

}  // namespace

MetricsConfig parse_metrics_config(config::Section& root) {
  MetricsConfig c;
  config::Section s = root.table("metrics", metrics_spec());
  if (auto v = s.boolean("enabled")) c.enabled = *v;
  if (auto v = s.string("path")) {
    if (v->empty() || (*v)[0] != '/' || v->find_first_of("?# ") != std::string::npos) {
      s.error("path", "\"" + *v + "\" is not a path (it must start with /)");
    } else if (probe_path(*v)) {
      s.error("path", "\"" + *v + "\" is one of the probe paths");
    } else {
      c.path = *v;
    }
  }
  s.check_unknown_keys();
  return c;
}

void emit_metrics_config(const MetricsConfig& c, config::Emitter::Table root) {
  auto t = root.sub("metrics");
  t.set("enabled", c.enabled);
  t.set("path", c.path);
}

}  // namespace graced
