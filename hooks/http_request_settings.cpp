#include "hooks/http_request_settings.hpp"

#include <string>
#include <string_view>

#include "config/diagnostics.hpp"
#include "config/toml_text.hpp"

namespace graced::hooks {
namespace {

// A TOML basic string that reads back as exactly `s`: the values were already expanded
// from the environment once, so a "$" is doubled to stay literal when read again.
std::string toml_string_unexpanded(std::string_view s) {
  std::string doubled;
  for (char c : s) {
    doubled += c;
    if (c == '$') doubled += '$';
  }
  return config::toml_basic_string(doubled);
}

std::string request_toml(const HttpAction& action, const config::Section& section) {
  std::string text = "url = " + toml_string_unexpanded(action.url) + "\n";
  text += "method = " + toml_string_unexpanded(action.method) + "\n";
  text += "expect_status = " + toml_string_unexpanded(action.expect_status) + "\n";
  // Only what the hook gave: the kind warns about TLS keys on a plain http:// URL.
  if (section.has("tls_verify"))
    text += std::string("tls_verify = ") + (action.tls_verify ? "true" : "false") + "\n";
  if (section.has("ca_file")) text += "ca_file = " + toml_string_unexpanded(action.ca_file) + "\n";
  text += "[headers]\n";
  for (const auto& [name, value] : action.headers)
    text += toml_string_unexpanded(name) + " = " + toml_string_unexpanded(value) + "\n";
  return text;
}

// "url" -> "http", "headers.X-Token" stays; the origin is that of the hook's key.
void report(config::Section& section, const config::Diagnostic& d) {
  std::string key = d.key;
  if (key == "url") key = "http";
  const std::string top = key.substr(0, key.find('.'));
  auto& diags = section.diagnostics();
  if (d.severity == config::Diagnostic::Severity::error) {
    diags.error(section.origin(top), section.key_path(key), d.message);
  } else {
    diags.warning(section.origin(top), section.key_path(key), d.message);
  }
}

}  // namespace

bool build_http_request(HttpAction& action, config::Section& section) {
  action.kind = probes::find_check_kind("http");
  if (!action.kind) {
    section.error("http", "http hooks are not available in this build");
    return false;
  }
  config::Document doc;
  config::Diagnostics diags;
  if (!doc.load_string(request_toml(action, section), "hook", diags)) {
    for (const auto& d : diags.all())
      report(section, d);
    return false;
  }
  config::Section request = doc.root(action.kind->spec(), diags);
  action.request = action.kind->parse(request);
  for (const auto& d : diags.all())
    report(section, d);
  return action.request != nullptr && !diags.has_errors();
}

}  // namespace graced::hooks
