#include "lifecycle/lifecycle_config.hpp"

#include <csignal>

#include "config/signal_names.hpp"
#include "lifecycle/cidr.hpp"

namespace graced {
namespace {

const config::SectionSpec& shutdown_spec() {
  static const auto& spec = config::register_section({
      "shutdown",
      "The zero-downtime shutdown sequence: drain, pre-stop hooks, stop signal, kill.",
      {
          {"signals", "array of signals", "[\"SIGTERM\", \"SIGINT\"]",
           "Signals that start the shutdown sequence instead of being forwarded."},
          {"drain_delay", "duration", "\"5s\"",
           "How long readiness fails before the child is told to stop: the window in which "
           "endpoint removal propagates to kube-proxy, ingresses and load balancers."},
          {"stop_signal", "signal", "\"SIGTERM\"",
           "The signal that tells the child to stop (SIGQUIT for nginx, SIGWINCH for Apache)."},
          {"grace_period", "duration", "\"25s\"",
           "The whole budget, counted from the trigger. When it is spent, kill_signal goes to the "
           "child's process group."},
          {"kill_signal", "signal", "\"SIGKILL\"",
           "Sent when the budget is spent. SIGQUIT or SIGABRT (for a core dump) are followed by "
           "SIGKILL after 2s."},
          {"post_stop_timeout", "duration", "\"2s\"", "Bound for all post-stop hooks together."},
          {"post_stop_outside_budget", "bool", "false",
           "Run post-stop hooks after the grace budget instead of within what is left of it."},
          {"exit_zero_on_stop_signal", "bool", "false",
           "Exit 0 when the child died of the stop signal or exited 128+stop signal after graced "
           "sent it."},
          {"on_repeat", "string", "\"expedite\"",
           "A repeated trigger during the sequence: \"expedite\" (skip what is left of the drain "
           "window and hooks, stop now), \"ignore\", or \"kill\" (kill_signal at once)."},
          {"prestop_path", "string", "\"\" (off)",
           "A path on the HTTP listener for a Kubernetes preStop httpGet hook: starts the sequence "
           "and answers when the drain window is over."},
          {"prestop_allow", "array of strings",
           "[\"127.0.0.0/8\", \"::1/128\", \"10.0.0.0/8\", \"172.16.0.0/12\", \"192.168.0.0/16\", "
           "\"fc00::/7\"]",
           "Client networks allowed to call prestop_path; others get 403."},
          {"drain_until_idle", "bool", "false",
           "End the drain window early once no new connection arrived on process.ports for "
           "quiet_period (after at least min_drain_delay)."},
          {"min_drain_delay", "duration", "\"1s\"",
           "With drain_until_idle: the drain window lasts at least this long."},
          {"quiet_period", "duration", "\"1s\"",
           "With drain_until_idle: how long without a new connection counts as idle."},
      },
  });
  return spec;
}

const config::SectionSpec& startup_spec() {
  static const auto& spec = config::register_section({
      "startup",
      "The startup sequence: pre-start hooks, waiting for dependencies, then the child.",
      {
          {"wait_for", "array of strings", "[]",
           "Check names that must pass before the child starts (the wait-for-it job)."},
          {"wait_timeout", "duration", "\"60s\"",
           "How long to wait for them; then graced exits 1 with the failing checks' messages."},
      },
  });
  return spec;
}

[[maybe_unused]] const bool kRegistered = (shutdown_spec(), startup_spec(), true);

std::vector<std::string> default_prestop_allow() {
  return {"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"};
}

}  // namespace

const char* on_repeat_name(OnRepeat r) {
  switch (r) {
    case OnRepeat::expedite:
      return "expedite";
    case OnRepeat::ignore:
      return "ignore";
    case OnRepeat::kill:
      return "kill";
  }
  return "expedite";
}

ShutdownConfig parse_shutdown_config(config::Section& root) {
  ShutdownConfig c;
  c.signals = {SIGTERM, SIGINT};
  c.prestop_allow = default_prestop_allow();
  config::Section s = root.table("shutdown", shutdown_spec());
  if (auto v = s.string_list("signals")) {
    c.signals.clear();
    for (const auto& name : *v) {
      auto signo = config::parse_signal(name);
      if (!signo) {
        s.error("signals", "\"" + name + "\" is not a signal");
      } else if (*signo == SIGKILL || *signo == SIGSTOP || *signo == SIGCHLD) {
        s.error("signals", config::signal_name(*signo) + " cannot start a shutdown");
      } else {
        c.signals.push_back(*signo);
      }
    }
  }
  if (auto v = s.duration("drain_delay")) c.drain_delay = *v;
  if (auto v = s.signal("stop_signal")) c.stop_signal = *v;
  if (auto v = s.duration("grace_period")) c.grace_period = *v;
  c.grace_period_origin = s.origin("grace_period");
  c.drain_until_idle_origin = s.origin("drain_until_idle");
  c.prestop_path_origin = s.origin("prestop_path");
  if (auto v = s.signal("kill_signal")) c.kill_signal = *v;
  if (auto v = s.duration("post_stop_timeout")) c.post_stop_timeout = *v;
  if (auto v = s.boolean("post_stop_outside_budget")) c.post_stop_outside_budget = *v;
  if (auto v = s.boolean("exit_zero_on_stop_signal")) c.exit_zero_on_stop_signal = *v;
  if (auto v = s.string("on_repeat")) {
    if (*v == "expedite") {
      c.on_repeat = OnRepeat::expedite;
    } else if (*v == "ignore") {
      c.on_repeat = OnRepeat::ignore;
    } else if (*v == "kill") {
      c.on_repeat = OnRepeat::kill;
    } else {
      s.error("on_repeat", "\"" + *v + "\" is not one of \"expedite\", \"ignore\", \"kill\"");
    }
  }
  if (auto v = s.string("prestop_path")) {
    if (!v->empty() && ((*v)[0] != '/' || v->find_first_of("?# ") != std::string::npos)) {
      s.error("prestop_path", "\"" + *v + "\" is not a path (it must start with /)");
    }
    c.prestop_path = *v;
  }
  if (auto v = s.string_list("prestop_allow")) {
    for (const auto& cidr : *v) {
      if (!parse_cidr(cidr))
        s.error("prestop_allow", "\"" + cidr + "\" is not a network (e.g. \"10.0.0.0/8\")");
    }
    c.prestop_allow = *v;
  }
  if (auto v = s.boolean("drain_until_idle")) c.drain_until_idle = *v;
  if (auto v = s.duration("min_drain_delay")) c.min_drain_delay = *v;
  if (auto v = s.duration("quiet_period")) c.quiet_period = *v;

  if (c.grace_period.count() <= 0) s.error("grace_period", "must be greater than 0");
  if (c.stop_signal == SIGKILL && c.drain_delay.count() > 0) {
    // Allowed, but worth knowing: the service gets no chance to finish in-flight work.
    s.warning("stop_signal", "SIGKILL gives the service no chance to finish in-flight requests");
  }
  if (c.drain_until_idle && c.min_drain_delay > c.drain_delay) {
    s.error("min_drain_delay", config::format_duration(c.min_drain_delay) +
                                   " is longer than drain_delay (" +
                                   config::format_duration(c.drain_delay) + ")");
  }
  s.check_unknown_keys();
  return c;
}

StartupConfig parse_startup_config(config::Section& root) {
  StartupConfig c;
  config::Section s = root.table("startup", startup_spec());
  if (auto v = s.string_list("wait_for")) c.wait_for = *v;
  c.wait_for_origin = s.origin("wait_for");
  if (auto v = s.duration("wait_timeout")) c.wait_timeout = *v;
  if (c.wait_timeout.count() <= 0) s.error("wait_timeout", "must be greater than 0");
  s.check_unknown_keys();
  return c;
}

void emit_shutdown_config(const ShutdownConfig& c, config::Emitter::Table root) {
  auto t = root.sub("shutdown");
  std::vector<std::string> signals;
  for (int s : c.signals)
    signals.push_back(config::signal_name(s));
  t.set_list("signals", signals);
  t.set_duration("drain_delay", c.drain_delay);
  t.set_signal("stop_signal", c.stop_signal);
  t.set_duration("grace_period", c.grace_period);
  t.set_signal("kill_signal", c.kill_signal);
  t.set_duration("post_stop_timeout", c.post_stop_timeout);
  t.set("post_stop_outside_budget", c.post_stop_outside_budget);
  t.set("exit_zero_on_stop_signal", c.exit_zero_on_stop_signal);
  t.set("on_repeat", on_repeat_name(c.on_repeat));
  t.set("prestop_path", c.prestop_path);
  t.set_list("prestop_allow", c.prestop_allow);
  t.set("drain_until_idle", c.drain_until_idle);
  t.set_duration("min_drain_delay", c.min_drain_delay);
  t.set_duration("quiet_period", c.quiet_period);
}

void emit_startup_config(const StartupConfig& c, config::Emitter::Table root) {
  auto t = root.sub("startup");
  t.set_list("wait_for", c.wait_for);
  t.set_duration("wait_timeout", c.wait_timeout);
}

}  // namespace graced
