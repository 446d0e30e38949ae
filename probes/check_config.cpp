#include "probes/check_config.hpp"

#include <set>

#include "health/health.hpp"

namespace graced::probes {
namespace {

const config::SectionSpec& checks_spec() {
  static const auto& spec = config::register_section({
      "checks",
      "Dependency checks ([[checks]], one table per check). Each runs on its own timer; "
      "probes answer from their cached results.",
      {
          {"name", "string", "",
           "Unique name ([a-z0-9_.-]+), used in verbose output, per-check paths and gRPC service "
           "names."},
          {"type", "string", "",
           "The check kind: one of the `[[checks]] with type = ...` sections below."},
          {"probes", "array of strings", "[\"readiness\"]",
           "Which probes the check feeds: any of \"startup\", \"liveness\", \"readiness\"."},
          {"interval", "duration", "\"10s\"",
           "Time between the starts of attempts (from when one was due to when the next is)."},
          {"timeout", "duration", "\"1s\"",
           "An attempt running longer is cancelled and counts as a failure. Must be shorter than "
           "interval."},
          {"initial_delay", "duration", "\"0s\"", "Wait before the first attempt."},
          {"failure_threshold", "integer", "3",
           "Consecutive failures before the check is failing."},
          {"success_threshold", "integer", "1",
           "Consecutive successes before the check is passing."},
          {"interval_when_failing", "duration", "interval",
           "Time between attempts after a failed one."},
          {"jitter", "duration", "10% of interval",
           "Up to this much is added at random to each interval, so a fleet of pods does not hit a "
           "dependency in lock-step."},
      },
  });
  return spec;
}
[[maybe_unused]] const bool kRegistered = (checks_spec(), true);

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string kind_list() {
  std::string out;
  for (const auto* k : check_kinds()) {
    if (!out.empty()) out += ", ";
    out += k->type();
  }
  return out;
}

}  // namespace

std::vector<CheckConfig> parse_checks_config(config::Section& root) {
  std::vector<CheckConfig> out;
  std::set<std::string> names;
  for (config::Section& s : root.table_array("checks", checks_spec())) {
    CheckConfig c;
    bool ok = true;
    if (auto v = s.string("name")) {
      if (health::is_reserved_entry_name(*v)) {
        s.error("name", "\"" + *v + "\" is reserved for graced's own entry in verbose output");
        ok = false;
      } else if (!valid_name(*v)) {
        s.error("name", "\"" + *v + "\" is not a valid check name (use [a-z0-9_.-], at most 63)");
        ok = false;
      } else if (!names.insert(*v).second) {
        s.error("name", "\"" + *v + "\" is used by another check");
        ok = false;
      }
      c.name = *v;
    } else {
      s.error("name", "every check needs a name");
      ok = false;
    }
    if (auto v = s.string("type")) {
      c.type = *v;
      c.kind = find_check_kind(*v);
      if (!c.kind) {
        s.error("type", "unknown check type \"" + *v + "\" (known: " + kind_list() + ")");
        ok = false;
      }
    } else {
      s.error("type", "every check needs a type (" + kind_list() + ")");
      ok = false;
    }
    if (auto v = s.string_list("probes")) {
      health::ProbeSet set;
      for (const auto& p : *v) {
        if (auto probe = health::parse_probe(p)) {
          set.add(*probe);
        } else {
          s.error("probes", "\"" + p + "\" is not a probe (use startup, liveness, readiness)");
        }
      }
      if (v->empty()) s.error("probes", "must name at least one probe");
      c.probes = set;
    }
    if (auto v = s.duration("interval")) c.interval = *v;
    c.interval_when_failing = c.interval;
    c.jitter = c.interval / 10;
    if (auto v = s.duration("timeout")) c.timeout = *v;
    if (auto v = s.duration("initial_delay")) c.initial_delay = *v;
    if (auto v = s.duration("interval_when_failing")) c.interval_when_failing = *v;
    if (auto v = s.duration("jitter")) c.jitter = *v;
    if (auto v = s.integer("failure_threshold", 1, 1000))
      c.failure_threshold = static_cast<std::uint32_t>(*v);
    if (auto v = s.integer("success_threshold", 1, 1000))
      c.success_threshold = static_cast<std::uint32_t>(*v);
    if (c.interval.count() <= 0) s.error("interval", "must be greater than 0");
    if (c.interval_when_failing.count() <= 0)
      s.error("interval_when_failing", "must be greater than 0");
    if (c.timeout.count() <= 0) {
      s.error("timeout", "must be greater than 0");
    } else if (c.timeout >= c.interval) {
      s.error("timeout", config::format_duration(c.timeout) + " must be shorter than interval (" +
                             config::format_duration(c.interval) + ")");
    }
    if (c.kind) {
      s.add_spec(c.kind->spec());
      c.settings = c.kind->parse(s);
      if (!c.settings) ok = false;
      if (c.kind->is_dependency() && c.probes.has(health::Probe::liveness)) {
        s.warning("probes",
                  "a " + c.type +
                      " check on liveness restarts every replica when the dependency blips; "
                      "prefer readiness");
      }
    }
    s.check_unknown_keys();
    if (ok) out.push_back(std::move(c));
  }
  return out;
}

void emit_checks_config(const std::vector<CheckConfig>& checks, config::Emitter::Table root) {
  for (const auto& c : checks) {
    auto t = root.append("checks");
    t.set("name", c.name).set("type", c.type);
    std::vector<std::string> probes;
    for (auto p : {health::Probe::startup, health::Probe::liveness, health::Probe::readiness})
      if (c.probes.has(p)) probes.emplace_back(health::probe_name(p));
    t.set_list("probes", probes);
    t.set_duration("interval", c.interval)
        .set_duration("timeout", c.timeout)
        .set_duration("initial_delay", c.initial_delay)
        .set_duration("interval_when_failing", c.interval_when_failing)
        .set_duration("jitter", c.jitter)
        .set("failure_threshold", static_cast<std::int64_t>(c.failure_threshold))
        .set("success_threshold", static_cast<std::int64_t>(c.success_threshold));
    if (c.settings) c.settings->emit(t);
  }
}

}  // namespace graced::probes
