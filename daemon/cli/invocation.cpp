#include "cli/invocation.hpp"

#include <functional>
#include <optional>

#include "config/toml_text.hpp"
#include "manifest/manifest.hpp"
#include "probe_client/probe_command.hpp"

namespace graced::cli {
namespace {

struct Shortcut {
  const char* flag;
  const char* key;  // the configuration key it sets
};
// Flags that override one configuration key each (a convenience over --set).
constexpr Shortcut kShortcuts[] = {
    {"--log-level", "log.level"},     {"--log-format", "log.format"},
    {"--workdir", "process.workdir"}, {"--user", "process.user"},
    {"--group", "process.group"},     {"--pdeathsig", "process.pdeathsig"},
};

bool is_verb(const std::string& a) {
  return a == "run" || a == "check-config" || a == "version" || a == "help" || a == "probe" ||
         a == "manifest";
}

// `graced manifest`'s own flags. Returns false when `a` is none of them; sets `error` when it
// is one but its value is wrong.
using FlagValue = std::function<std::optional<std::string>(const std::string& flag)>;

bool manifest_flag(const std::string& a, const FlagValue& value, manifest::Options& o,
                   std::optional<std::string>& error) {
  auto matches = [&](const std::string& flag) { return a == flag || a.rfind(flag + "=", 0) == 0; };
  if (matches("--format")) {
    auto v = value("--format");
    if (v == "yaml") {
      o.format = manifest::Format::yaml;
    } else if (v == "json") {
      o.format = manifest::Format::json;
    } else {
      error = v ? "--format: \"" + *v + "\" is not a format (use yaml or json)"
                : "--format needs a value: yaml or json";
    }
    return true;
  }
  if (matches("--probe")) {
    auto v = value("--probe");
    if (v == "http") {
      o.probe = manifest::ProbeKind::http;
    } else if (v == "grpc") {
      o.probe = manifest::ProbeKind::grpc;
    } else {
      error = v ? "--probe: \"" + *v + "\" is not a probe kind (use http or grpc)"
                : "--probe needs a value: http or grpc";
    }
    return true;
  }
  if (matches("--container")) {
    auto v = value("--container");
    if (!v || v->empty()) {
      error = "--container needs a name";
    } else {
      o.container = *v;
    }
    return true;
  }
  if (matches("--deployment")) {
    auto v = value("--deployment");
    if (!v || v->empty()) {
      error = "--deployment needs an image, e.g. --deployment registry.example.com/app:1.0";
    } else {
      o.image = *v;
    }
    return true;
  }
  return false;
}

}  // namespace

std::variant<Invocation, UsageError> parse_invocation(const std::vector<std::string>& args) {
  Invocation inv;
  size_t i = 0;
  if (i < args.size()) {
    const std::string& first = args[i];
    if (first == "run") {
      ++i;
    } else if (first == "check-config") {
      inv.verb = Verb::check_config;
      ++i;
    } else if (first == "version") {
      inv.verb = Verb::version;
      ++i;
    } else if (first == "manifest") {
      inv.verb = Verb::manifest;
      ++i;
    } else if (first == "probe") {
      // Its own small command line, parsed by the probe client.
      inv.verb = Verb::probe;
      inv.probe_args.assign(args.begin() + 1, args.end());
      return inv;
    } else if (first == "help") {
      inv.verb = Verb::help;
      ++i;
      if (i < args.size()) inv.help_topic = args[i++];
      if (!inv.help_topic.empty() && !is_verb(inv.help_topic))
        return UsageError{"no help on \"" + inv.help_topic +
                          "\" (verbs: run, check-config, version, probe, manifest, help)"};
      if (i < args.size()) return UsageError{"unexpected argument \"" + args[i] + "\" after help"};
      return inv;
    }
  }
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& flag) -> std::optional<std::string> {
      auto eq = a.find('=');
      if (eq != std::string::npos && a.compare(0, eq, flag) == 0) return a.substr(eq + 1);
      if (a == flag && i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    auto matches = [&](const std::string& flag) {
      return a == flag || a.rfind(flag + "=", 0) == 0;
    };
    if (a == "--") {
      inv.command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      if (inv.command.empty()) return UsageError{"-- must be followed by a command to run"};
      break;
    }
    if (a == "-h" || a == "--help") {
      inv.help_topic = inv.verb == Verb::check_config ? "check-config"
                       : inv.verb == Verb::version    ? "version"
                       : inv.verb == Verb::manifest   ? "manifest"
                                                      : "run";
      inv.verb = Verb::help;
      return inv;
    }
    if (a == "--version") {
      inv.verb = Verb::version;
      continue;
    }
    if (a == "-c" || matches("--config")) {
      std::optional<std::string> v;
      if (a == "-c") {
        if (i + 1 < args.size()) v = args[++i];
      } else {
        v = value("--config");
      }
      if (!v || v->empty()) return UsageError{"--config needs a file name"};
      inv.config_path = *v;
      continue;
    }
    if (matches("--set")) {
      auto v = value("--set");
      if (!v || v->find('=') == std::string::npos)
        return UsageError{"--set needs KEY=VALUE, e.g. --set process.signal_group=true"};
      inv.overrides.push_back(*v);
      continue;
    }
    bool shortcut = false;
    for (const auto& s : kShortcuts) {
      if (matches(s.flag)) {
        auto v = value(s.flag);
        if (!v) return UsageError{std::string(s.flag) + " needs a value"};
        // A TOML string, so that "--user 1000" stays the text "1000".
        inv.overrides.push_back(std::string(s.key) + "=" + config::toml_basic_string(*v));
        shortcut = true;
      }
    }
    if (shortcut) continue;
    if (a == "--signal-group") {
      inv.overrides.push_back("process.signal_group=true");
      continue;
    }
    if (inv.verb == Verb::manifest) {
      std::optional<std::string> error;
      if (manifest_flag(a, value, inv.manifest, error)) {
        if (error) return UsageError{*error};
        continue;
      }
    }
    if (!a.empty() && a[0] == '-') return UsageError{"unknown option " + a};
    if (is_verb(a)) {
      return UsageError{"\"" + a + "\" must come first, before any option: graced " + a +
                        " [options]"};
    }
    std::string fixed = "graced";
    for (size_t j = 0; j < args.size(); ++j)
      fixed += (j == i ? " -- " : " ") + args[j];
    return UsageError{"unexpected argument \"" + a +
                      "\"; to run a program, put it after --: " + fixed};
  }
  return inv;
}

std::string usage(const std::string& topic) {
  if (topic == "check-config") {
    return R"(Usage: graced check-config [-c FILE] [--set KEY=VALUE]... [-- COMMAND [ARGS...]]

Validates the configuration and prints the effective configuration as TOML, with
secrets redacted. Exits 0 when it is valid, 2 when it is not (every error is listed
with its file, line and key).

Options:
  -c, --config FILE     configuration file (default: $GRACED_CONFIG, then
                        /etc/graced/graced.toml if it exists, else built-in defaults)
      --set KEY=VALUE   override one key, e.g. --set process.signal_group=true
)";
  }
  if (topic == "probe") return probe_client::probe_usage();
  if (topic == "manifest") return manifest::manifest_usage();
  if (topic == "version") {
    return "Usage: graced version\n\nPrints graced's version.\n";
  }
  return R"(Usage: graced [run] [-c FILE] [options] [-- COMMAND [ARGS...]]
       graced check-config [-c FILE] [--set KEY=VALUE]...
       graced version
       graced probe grpc HOST:PORT [options] | graced probe http URL [options]
       graced manifest [-c FILE] [--set KEY=VALUE]... [--probe http|grpc]
                       [--format yaml|json] [--container NAME] [--deployment IMAGE]
       graced help [VERB]

graced runs COMMAND as its child: it forwards signals to it, reaps every zombie,
and exits with the child's exit status (128+N when it died of signal N). It answers
probes on http.listen (default 0.0.0.0:8558): /livez, /readyz, /startupz (?verbose,
?format=json), the gRPC health service on the same port, and /metrics, from the
[[checks]] it runs. On SIGTERM or SIGINT readiness fails at once; after
shutdown.drain_delay and the pre-stop hooks the child gets its stop signal, and
SIGKILL when shutdown.grace_period is spent. Docs: README.md and docs/.

Options:
  -c, --config FILE       configuration file (default: $GRACED_CONFIG, then
                          /etc/graced/graced.toml if it exists, else built-in defaults)
      --set KEY=VALUE     override one configuration key (VALUE is TOML; a bare word
                          is a string), e.g. --set process.orphan_grace=5s
      --log-level LEVEL   debug, info, warn, error or off     (log.level)
      --log-format FMT    text or json                        (log.format)
      --workdir DIR       the child's working directory       (process.workdir)
      --user USER         run the child as USER               (process.user)
      --group GROUP       run the child with group GROUP      (process.group)
      --signal-group      forward signals to the child's process group
      --pdeathsig SIG     signal the child gets if graced dies (process.pdeathsig)
  -h, --help              this help; `graced <verb> --help` for a verb
      --version           print the version

Exit status: the child's; 2 for a usage or configuration error; 126 when COMMAND
cannot be executed; 127 when it is not found.
)";
}

}  // namespace graced::cli
