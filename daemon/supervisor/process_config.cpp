#include "supervisor/process_config.hpp"

#include <grp.h>
#include <pwd.h>

#include <charconv>
#include <cstdint>
#include <string_view>

#include "config/signal_names.hpp"

namespace graced {
namespace {

using config::KeySpec;

const config::SectionSpec& process_spec() {
  static const auto& spec = config::register_section({
      "process",
      "The service graced runs as its child.",
      {
          {"command", "array of strings", "unset",
           "The program and its arguments. `graced -- CMD ARGS` overrides it."},
          {"workdir", "string", "graced's working directory", "Working directory of the child."},
          {"env", "table of strings", "{}",
           "Variables added to (or replacing those in) the environment the child inherits."},
          {"user", "string or integer", "unchanged",
           "User (name or numeric id) the child runs as, with that user's supplementary groups. "
           "Needs graced to run as root."},
          {"group", "string or integer", "the user's primary group",
           "Group (name or numeric id) the child runs as."},
          {"signal_group", "bool", "false",
           "Forward signals to the child's whole process group instead of the child alone."},
          {"pdeathsig", "signal", "off",
           "Signal the child receives if graced itself dies (PR_SET_PDEATHSIG)."},
          {"exit_code_map", "table of integers", "{}",
           "Remaps the exit status graced exits with, e.g. { \"143\" = 0 }."},
          {"notify", "bool", "false",
           "Create an sd_notify socket and pass NOTIFY_SOCKET to the child; startup then also "
           "waits for READY=1."},
          {"watchdog", "duration", "off",
           "With notify: liveness fails when the child sent no WATCHDOG=1 within this time "
           "(WATCHDOG_USEC is passed to it)."},
          {"ports", "array of integers", "[]",
           "The service's own TCP ports, watched for new connections by "
           "shutdown.drain_until_idle."},
          {"orphan_grace", "duration", "\"2s\"",
           "After the child exits, how long what is left of its process group has to exit after "
           "SIGTERM before SIGKILL."},
      },
  });
  return spec;
}

const config::SectionSpec& signals_spec() {
  static const auto& spec = config::register_section({
      "signals",
      "How signals graced receives are forwarded.",
      {
          {"rewrite", "table of signals", "{}",
           "Forward a different signal than the one received, e.g. { SIGHUP = \"SIGUSR1\" }."},
      },
  });
  return spec;
}

// Registered at start-up so that docs and unknown-key checks see the sections even
// before anything parses them.
[[maybe_unused]] const bool kRegistered = (process_spec(), signals_spec(), true);

// "-1" counts as a number too, so that it is refused as an id rather than looked up.
bool is_number(const std::string& s) {
  const size_t digits = !s.empty() && s[0] == '-' ? 1 : 0;
  return s.size() > digits && s.find_first_not_of("0123456789", digits) == std::string::npos;
}

// A numeric id must fit uid_t/gid_t: "4294967296" would wrap to 0, root, and -1 means
// "unchanged" to setresuid().
constexpr std::uint64_t kMaxId = 4294967294;
bool valid_id(const std::string& s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && end == s.data() + s.size() && v <= kMaxId;
}

void check_identity(config::Section& s, std::string_view key, const std::string& v) {
  const std::string what = key == "user" ? "user" : "group";
  if (is_number(v)) {
    if (!valid_id(v))
      s.error(key,
              "\"" + v + "\" is not a valid " + what + " id (0 to " + std::to_string(kMaxId) + ")");
    return;
  }
  const bool found =
      key == "user" ? getpwnam(v.c_str()) != nullptr : getgrnam(v.c_str()) != nullptr;
  if (!found) s.error(key, "no such " + what + ": \"" + v + "\"");
}

}  // namespace

ProcessConfig parse_process_config(config::Section& root) {
  ProcessConfig c;
  config::Section s = root.table("process", process_spec());
  if (auto v = s.string_list("command")) {
    if (v->empty()) s.error("command", "must not be empty");
    c.command = std::move(*v);
  }
  if (auto v = s.string("workdir")) c.workdir = *v;
  if (auto v = s.string_table("env")) c.env = std::move(*v);
  if (auto v = s.name_or_id("user")) {
    check_identity(s, "user", *v);
    c.user = *v;
  }
  if (auto v = s.name_or_id("group")) {
    check_identity(s, "group", *v);
    c.group = *v;
  }
  if (auto v = s.boolean("signal_group")) c.signal_group = *v;
  if (auto v = s.signal("pdeathsig")) c.pdeathsig = *v;
  if (auto v = s.duration("orphan_grace")) c.orphan_grace = *v;
  if (auto v = s.boolean("notify")) c.notify = *v;
  if (auto v = s.duration("watchdog")) {
    c.watchdog = *v;
    if (!c.notify && v->count() > 0) s.error("watchdog", "needs process.notify = true");
  }
  if (auto v = s.integer_list("ports", 1, 65535)) {
    for (auto p : *v)
      c.ports.push_back(static_cast<std::uint16_t>(p));
  }
  if (auto v = s.integer_table("exit_code_map")) {
    for (const auto& [from, to] : *v) {
      int code = -1;
      if (!from.empty() && from.size() <= 3 &&
          from.find_first_not_of("0123456789") == std::string::npos) {
        code = std::stoi(from);
      }
      if (code < 0 || code > 255) {
        s.error("exit_code_map", "\"" + from + "\" is not an exit status (0 to 255)");
        continue;
      }
      if (to < 0 || to > 255) {
        s.error("exit_code_map", "\"" + from + "\" maps to " + std::to_string(to) +
                                     ", which is not an exit status (0 to 255)");
        continue;
      }
      c.exit_code_map[code] = static_cast<int>(to);
    }
  }
  s.check_unknown_keys();
  return c;
}

SignalsConfig parse_signals_config(config::Section& root) {
  SignalsConfig c;
  config::Section s = root.table("signals", signals_spec());
  if (auto v = s.signal_table("rewrite")) {
    for (const auto& [from, to] : *v) {
      // { HUP = "USR1", SIGHUP = "USR2" } names one signal twice; neither should win quietly.
      if (!c.rewrite.emplace(from, to).second)
        s.error("rewrite", config::signal_name(from) + " is rewritten more than once");
    }
  }
  s.check_unknown_keys();
  return c;
}

void emit_process_config(const ProcessConfig& c, config::Emitter::Table root) {
  auto t = root.sub("process");
  if (!c.command.empty()) t.set_list("command", c.command);
  if (!c.workdir.empty()) t.set("workdir", c.workdir);
  if (!c.user.empty()) t.set("user", c.user);
  if (!c.group.empty()) t.set("group", c.group);
  t.set("signal_group", c.signal_group);
  if (c.pdeathsig) t.set_signal("pdeathsig", c.pdeathsig);
  t.set_duration("orphan_grace", c.orphan_grace);
  t.set("notify", c.notify);
  if (c.watchdog.count() > 0) t.set_duration("watchdog", c.watchdog);
  if (!c.ports.empty()) {
    std::vector<std::int64_t> ports(c.ports.begin(), c.ports.end());
    t.set_int_list("ports", ports);
  }
  if (!c.env.empty()) t.set_table("env", c.env);
  if (!c.exit_code_map.empty()) {
    std::vector<std::pair<std::string, std::int64_t>> m;
    for (auto [from, to] : c.exit_code_map)
      m.emplace_back(std::to_string(from), to);
    t.set_int_table("exit_code_map", m);
  }
}

void emit_signals_config(const SignalsConfig& c, config::Emitter::Table root) {
  auto t = root.sub("signals");
  std::vector<std::pair<std::string, std::string>> m;
  for (auto [from, to] : c.rewrite)
    m.emplace_back(config::signal_name(from), config::signal_name(to));
  t.set_table("rewrite", m);
}

}  // namespace graced
