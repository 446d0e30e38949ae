#include "probes/postgres/conninfo.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "config/redact.hpp"
#include "probes/common/address.hpp"

namespace graced::probes {
namespace {

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    out.emplace_back(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i)
    out += (i ? "," : "") + items[i];
  return out;
}

bool valid_host_name(std::string_view host) {
  if (host.size() > 253) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

bool valid_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size() && value >= 1 && value <= 65535;
}

bool needs_lookup(std::string_view host) {
  return !host.empty() && !is_socket_directory(host) && !is_ip_literal(host);
}

std::string trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  return text;
}

std::string quoted(const std::string& text) {
  return "\"" + text + "\"";
}

}  // namespace

bool is_socket_directory(std::string_view host) {
  return !host.empty() && (host.front() == '/' || host.front() == '@');
}

std::optional<Conninfo> Conninfo::parse(const std::string& text, std::string& error) {
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(text.c_str(), &parse_error);
  if (!parsed) {
    const std::string reason = parse_error ? trim(parse_error) : "out of memory";
    PQfreemem(parse_error);
    error =
        "not a valid connection URL or key=value string: " + ConninfoSecrets(text).scrub(reason);
    return std::nullopt;
  }
  ConnOptions options;
  std::vector<std::string> secret_values;
  for (const PQconninfoOption* o = parsed; o->keyword; ++o) {
    if (!o->val) continue;
    options.emplace_back(o->keyword, o->val);
    if (config::is_secret_key(o->keyword)) secret_values.emplace_back(o->val);
  }
  PQconninfoFree(parsed);

  Conninfo info{ConninfoSecrets(text, std::move(secret_values))};
  info.options_ = std::move(options);
  if (info.option("service") && !info.option("host") && !info.option("hostaddr")) {
    // libpq would take the host from pg_service.conf and look it up itself, blocking.
    error =
        "with service, give host (or hostaddr) too: a host name from pg_service.conf "
        "would be looked up with a blocking call";
    return std::nullopt;
  }
  const char* env_host = std::getenv("PGHOST");
  info.hosts_ = split_list(info.option("host").value_or(env_host ? env_host : ""));
  info.pinned_ = !info.option("hostaddr").value_or("").empty() || std::getenv("PGHOSTADDR");

  for (const auto& host : info.hosts_) {
    if (host.empty() || is_socket_directory(host) || is_ip_literal(host) || valid_host_name(host))
      continue;
    if (host.find_first_of("@:/") != std::string::npos) {
      error =
          "its host part is not a valid host name: percent-encode \"@\", \":\" and \"/\" in "
          "the user name and password (\"@\" is %40)";
    } else {
      error = "host " + info.secrets_.scrub(quoted(host)) + " is not a valid host name";
    }
    return std::nullopt;
  }
  if (auto port = info.option("port")) {
    const auto ports = split_list(*port);
    for (const auto& p : ports) {
      if (!p.empty() && !valid_port(p)) {
        error = "port " + info.secrets_.scrub(quoted(p)) + " is not a port (1-65535)";
        return std::nullopt;
      }
    }
    if (ports.size() > 1 && ports.size() != info.hosts_.size()) {
      error = std::to_string(ports.size()) + " ports for " + std::to_string(info.hosts_.size()) +
              " hosts (give one port, or one per host)";
      return std::nullopt;
    }
  }
  return info;
}

std::optional<std::string> Conninfo::option(std::string_view keyword) const {
  for (const auto& [k, v] : options_) {
    if (k == keyword) return v;
  }
  return std::nullopt;
}

std::vector<std::string> Conninfo::names_to_resolve() const {
  std::vector<std::string> names;
  if (pinned_) return names;
  for (const auto& host : hosts_) {
    if (needs_lookup(host) && std::find(names.begin(), names.end(), host) == names.end())
      names.push_back(host);
  }
  return names;
}

ConnOptions Conninfo::dial_options(
    const std::map<std::string, std::vector<std::string>>& addresses) const {
  if (names_to_resolve().empty()) return options_;
  std::vector<std::string> ports;
  if (auto port = option("port")) ports = split_list(*port);
  const bool port_per_host = ports.size() > 1;  // parse() checked it matches hosts_
  std::vector<std::string> hosts, hostaddrs, host_ports;
  for (std::size_t i = 0; i < hosts_.size(); ++i) {
    const std::string& host = hosts_[i];
    std::vector<std::string> pinned{is_ip_literal(host) ? host : std::string()};
    if (needs_lookup(host)) {
      auto it = addresses.find(host);
      pinned = it == addresses.end() ? std::vector<std::string>{} : it->second;
    }
    for (const auto& address : pinned) {
      hosts.push_back(host);
      hostaddrs.push_back(address);
      if (port_per_host) host_ports.push_back(ports[i]);
    }
  }
  if (hosts.empty()) return {};
  ConnOptions out;
  for (const auto& [k, v] : options_) {
    if (k == "host" || k == "hostaddr" || (port_per_host && k == "port")) continue;
    out.emplace_back(k, v);
  }
  out.emplace_back("host", join_list(hosts));
  out.emplace_back("hostaddr", join_list(hostaddrs));
  if (port_per_host) out.emplace_back("port", join_list(host_ports));
  return out;
}

}  // namespace graced::probes
