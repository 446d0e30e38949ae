// [[hooks]]: commands and HTTP calls run at the four phases of graced's lifecycle
// (pre-start, post-start, pre-stop, post-stop).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "config/duration.hpp"
#include "config/emitter.hpp"
#include "config/section.hpp"
#include "lifecycle/phase_hooks.hpp"
#include "probes/check.hpp"

namespace graced::hooks {

// exec = ["cmd", "arg", ...]: run without a shell, in its own process group.
struct ExecAction {
  std::vector<std::string> command;
  std::string workdir;                                   // empty: graced's own
  std::vector<std::pair<std::string, std::string>> env;  // added to graced's environment
};

// http = "http://...": one request through the http check kind's client.
struct HttpAction {
  std::string url;  // as written; redacted whenever shown
  std::string method = "POST";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string expect_status = "200-399";
  bool tls_verify = true;
  std::string ca_file;
  // The request as the http check kind parsed it, and the kind that runs it.
  const probes::CheckKind* kind = nullptr;
  std::shared_ptr<const probes::CheckSettings> request;
};

struct HookConfig {
  std::string name;
  HookPhase phase = HookPhase::pre_start;
  config::Duration timeout{10000};
  bool fatal = false;  // post-start only: a failure stops the service
  std::variant<ExecAction, HttpAction> action;
};

// "pre-start", "post-start", "pre-stop", "post-stop".
std::optional<HookPhase> parse_hook_phase(std::string_view text);
std::string_view phase_name(HookPhase phase);

// Only valid hooks are returned; every problem is a diagnostic naming file:line:key.
std::vector<HookConfig> parse_hooks_config(config::Section& root);
void emit_hooks_config(const std::vector<HookConfig>& hooks, config::Emitter::Table root);

}  // namespace graced::hooks
