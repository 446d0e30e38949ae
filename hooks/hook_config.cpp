#include "hooks/hook_config.hpp"

#include <set>

#include "config/redact.hpp"
#include "hooks/http_request_settings.hpp"

namespace graced::hooks {
namespace {

const config::SectionSpec& hooks_spec() {
  static const auto& spec = config::register_section({
      "hooks",
      "Lifecycle hooks ([[hooks]], one table per hook): a command or an HTTP request run "
      "before the service starts, after it started, during shutdown before the stop signal, "
      "or after it exited. Hooks of one phase run one after the other, in file order.",
      {
          {"name", "string", "", "Unique name ([a-z0-9_.-]+), shown in logs and metrics."},
          {"phase", "string", "",
           "\"pre-start\" (before the service starts; a failure aborts startup), "
           "\"post-start\" (after it started; a failure is logged, unless fatal), "
           "\"pre-stop\" (during shutdown, after the drain window, before the stop signal) "
           "or \"post-stop\" (after the service exited)."},
          {"timeout", "duration", "\"10s\"",
           "The hook is killed (exec) or abandoned (http) after this long. It never runs "
           "past what is left of its phase's budget either (e.g. shutdown.grace_period)."},
          {"exec", "array of strings", "unset",
           "The command and its arguments, run without a shell (use [\"sh\", \"-c\", \"...\"] "
           "for one), stdin from /dev/null, in its own process group, all of which is "
           "killed at the timeout. Its output is logged line by line. Exit code 0 is "
           "success. Give exec or http, not both."},
          {"http", "string", "unset",
           "http:// or https:// URL to send a request to, e.g. "
           "\"http://127.0.0.1:8080/admin/drain\". Credentials in it (user:pass@) are sent "
           "as Basic auth and never shown."},
          {"method", "string", "\"POST\"", "With http: the request method."},
          {"headers", "table", "{}",
           "With http: extra request headers, e.g. { Authorization = \"Bearer ${TOKEN}\" }."},
          {"expect_status", "string", "\"200-399\"",
           "With http: the status codes that count as success (\"200,204\", \"200-299\")."},
          {"tls_verify", "bool", "true",
           "With an https:// URL: verify the server's certificate chain and host name."},
          {"ca_file", "string", "unset",
           "With an https:// URL: PEM file of the CA certificates to trust instead of the "
           "system's."},
          {"fatal", "bool", "false",
           "post-start only: a failure stops the service (graced exits with the hook's exit "
           "code). A pre-start failure always aborts startup; pre-stop and post-stop "
           "failures never stop anything."},
          {"workdir", "string", "graced's", "With exec: working directory of the command."},
          {"env", "table", "{}", "With exec: variables added to graced's environment."},
      },
  });
  return spec;
}
[[maybe_unused]] const bool kRegistered = (hooks_spec(), true);

struct PhaseName {
  HookPhase phase;
  std::string_view name;
};
constexpr PhaseName kPhases[] = {
    {HookPhase::pre_start, "pre-start"},
    {HookPhase::post_start, "post-start"},
    {HookPhase::pre_stop, "pre-stop"},
    {HookPhase::post_stop, "post-stop"},
};

bool valid_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

constexpr std::string_view kHttpOnly[] = {"method", "headers", "expect_status", "tls_verify",
                                          "ca_file"};
constexpr std::string_view kExecOnly[] = {"workdir", "env"};

bool parse_exec(config::Section& s, ExecAction& a) {
  bool ok = true;
  for (auto key : kHttpOnly) {
    if (s.has(key)) {
      s.error(key, "only http hooks take " + std::string(key));
      ok = false;
    }
  }
  if (auto v = s.string_list("exec")) {
    if (v->empty() || v->front().empty()) {
      s.error("exec", "the command is empty");
      ok = false;
    }
    a.command = std::move(*v);
  } else {
    ok = false;
  }
  if (auto v = s.string("workdir")) {
    if (v->empty()) {
      s.error("workdir", "must not be empty (leave it out for graced's own)");
      ok = false;
    }
    a.workdir = std::move(*v);
  } else if (s.has("workdir")) {
    ok = false;
  }
  if (auto v = s.string_table("env")) {
    for (const auto& [k, value] : *v) {
      if (k.empty() || k.find('=') != std::string::npos) {
        s.error("env", "\"" + k + "\" is not a variable name");
        ok = false;
      }
    }
    a.env = std::move(*v);
  } else if (s.has("env")) {
    ok = false;
  }
  return ok;
}

bool parse_http(config::Section& s, HttpAction& a) {
  bool ok = true;
  for (auto key : kExecOnly) {
    if (s.has(key)) {
      s.error(key, "only exec hooks take " + std::string(key));
      ok = false;
    }
  }
  if (auto v = s.string("http")) {
    a.url = std::move(*v);
  } else {
    ok = false;
  }
  if (auto v = s.string("method")) {
    a.method = std::move(*v);
  } else if (s.has("method")) {
    ok = false;
  }
  if (auto v = s.string_table("headers")) {
    a.headers = std::move(*v);
  } else if (s.has("headers")) {
    ok = false;
  }
  if (auto v = s.string("expect_status")) {
    a.expect_status = std::move(*v);
  } else if (s.has("expect_status")) {
    ok = false;
  }
  if (auto v = s.boolean("tls_verify")) {
    a.tls_verify = *v;
  } else if (s.has("tls_verify")) {
    ok = false;
  }
  if (auto v = s.string("ca_file")) {
    a.ca_file = std::move(*v);
  } else if (s.has("ca_file")) {
    ok = false;
  }
  // Only a request whose own keys read cleanly is worth handing to the http kind.
  return ok && build_http_request(a, s);
}

}  // namespace

std::optional<HookPhase> parse_hook_phase(std::string_view text) {
  for (const auto& p : kPhases)
    if (p.name == text) return p.phase;
  return std::nullopt;
}

std::string_view phase_name(HookPhase phase) {
  for (const auto& p : kPhases)
    if (p.phase == phase) return p.name;
  return "pre-start";
}

std::vector<HookConfig> parse_hooks_config(config::Section& root) {
  std::vector<HookConfig> out;
  std::set<std::string> names;
  for (config::Section& s : root.table_array("hooks", hooks_spec())) {
    HookConfig h;
    bool ok = true;
    if (auto v = s.string("name")) {
      if (!valid_name(*v)) {
        s.error("name", "\"" + *v + "\" is not a valid hook name (use [a-z0-9_.-], at most 63)");
        ok = false;
      } else if (!names.insert(*v).second) {
        s.error("name", "\"" + *v + "\" is used by another hook");
        ok = false;
      }
      h.name = std::move(*v);
    } else {
      if (!s.has("name")) s.error("name", "every hook needs a name");
      ok = false;
    }

    bool phase_known = false;
    if (auto v = s.string("phase")) {
      if (auto p = parse_hook_phase(*v)) {
        h.phase = *p;
        phase_known = true;
      } else {
        s.error("phase", "\"" + *v +
                             "\" is not a phase (use \"pre-start\", \"post-start\", "
                             "\"pre-stop\" or \"post-stop\")");
        ok = false;
      }
    } else {
      if (!s.has("phase")) {
        s.error("phase",
                "every hook needs a phase (\"pre-start\", \"post-start\", \"pre-stop\" or "
                "\"post-stop\")");
      }
      ok = false;
    }

    if (auto v = s.duration("timeout")) {
      if (v->count() <= 0) {
        s.error("timeout", "must be greater than 0");
        ok = false;
      }
      h.timeout = *v;
    } else if (s.has("timeout")) {
      ok = false;
    }

    if (auto v = s.boolean("fatal")) {
      if (phase_known && h.phase != HookPhase::post_start) {
        s.error("fatal",
                "only post-start hooks take fatal (a pre-start failure always aborts "
                "startup; pre-stop and post-stop failures never stop anything)");
        ok = false;
      }
      h.fatal = *v;
    } else if (s.has("fatal")) {
      ok = false;
    }

    const bool has_exec = s.has("exec");
    const bool has_http = s.has("http");
    if (has_exec && has_http) {
      s.error("http", "a hook runs either exec or http, not both");
      ok = false;
    } else if (has_exec) {
      ExecAction a;
      ok = parse_exec(s, a) && ok;
      h.action = std::move(a);
    } else if (has_http) {
      HttpAction a;
      ok = parse_http(s, a) && ok;
      h.action = std::move(a);
    } else {
      s.error("exec", "a hook needs exec = [\"cmd\", ...] or http = \"http://...\"");
      ok = false;
    }

    s.check_unknown_keys();
    if (ok) out.push_back(std::move(h));
  }
  return out;
}

void emit_hooks_config(const std::vector<HookConfig>& hooks, config::Emitter::Table root) {
  for (const auto& h : hooks) {
    auto t = root.append("hooks");
    t.set("name", h.name).set("phase", phase_name(h.phase)).set_duration("timeout", h.timeout);
    if (h.phase == HookPhase::post_start) t.set("fatal", h.fatal);
    if (const auto* exec = std::get_if<ExecAction>(&h.action)) {
      t.set_list("exec", exec->command);
      if (!exec->workdir.empty()) t.set("workdir", exec->workdir);
      if (!exec->env.empty()) t.set_table("env", exec->env);
    } else if (const auto* http = std::get_if<HttpAction>(&h.action)) {
      t.set("http", config::redact_value(http->url));
      t.set("method", http->method);
      if (!http->headers.empty()) t.set_table("headers", http->headers);
      t.set("expect_status", http->expect_status);
      if (http->url.rfind("https://", 0) == 0) {
        t.set("tls_verify", http->tls_verify);
        if (!http->ca_file.empty()) t.set("ca_file", http->ca_file);
      }
    }
  }
}

}  // namespace graced::hooks
