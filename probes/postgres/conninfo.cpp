#include "probes/postgres/conninfo.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "config/redact.hpp"
#include "probes/common/address.hpp"

namespace graced::probes {
namespace {

// Where Debian's libpq looks for the server's socket when no host is given.
constexpr const char* kDefaultSocketDir = "/var/run/postgresql";

// The environment variables libpq reads for options left out.
constexpr std::pair<std::string_view, const char*> kEnvironment[] = {
    {"host", "PGHOST"},       {"hostaddr", "PGHOSTADDR"},        {"port", "PGPORT"},
    {"user", "PGUSER"},       {"password", "PGPASSWORD"},        {"dbname", "PGDATABASE"},
    {"sslmode", "PGSSLMODE"}, {"application_name", "PGAPPNAME"},
};

bool is_sslmode(std::string_view mode) {
  for (std::string_view known :
       {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}) {
    if (mode == known) return true;
  }
  return false;
}

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

std::string quoted(const std::string& text) {
  return "\"" + text + "\"";
}

}  // namespace

bool is_socket_directory(std::string_view host) {
  return !host.empty() && (host.front() == '/' || host.front() == '@');
}

std::optional<Conninfo> Conninfo::parse(const std::string& text, std::string& error) {
  std::string parse_error;
  auto parsed = parse_conninfo_text(text, parse_error);
  if (!parsed) {
    error = "not a valid connection URL or key=value string: " +
            ConninfoSecrets(text).scrub(parse_error);
    return std::nullopt;
  }
  std::vector<std::string> secret_values;
  for (const auto& [keyword, value] : *parsed) {
    if (config::is_secret_key(keyword)) secret_values.push_back(value);
  }
  Conninfo info{ConninfoSecrets(text, std::move(secret_values))};
  info.options_ = std::move(*parsed);
  if (info.option("service") && !info.option("host") && !info.option("hostaddr")) {
    // libpq would take the host from pg_service.conf and look it up itself, blocking.
    error =
        "with service, give host (or hostaddr) too: a host name from pg_service.conf "
        "would be looked up with a blocking call";
    return std::nullopt;
  }
  info.hosts_ = split_list(info.setting("host"));
  info.pinned_ = !info.setting("hostaddr").empty();

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
  if (!info.find_endpoints(error)) return std::nullopt;
  const std::string sslmode = info.setting("sslmode");
  if (!sslmode.empty() && !is_sslmode(sslmode)) {
    error = "sslmode " + quoted(sslmode) +
            " is not one of disable, allow, prefer, require, verify-ca, verify-full";
    return std::nullopt;
  }
  return info;
}

// Follows libpq's connectOptions2: hostaddr entries pair with host entries (or stand
// alone), one port serves every host or there is one per host, an empty host is the
// default socket directory.
bool Conninfo::find_endpoints(std::string& error) {
  std::vector<std::string> hosts = hosts_;
  std::vector<std::string> hostaddrs;
  if (const std::string hostaddr = setting("hostaddr"); !hostaddr.empty()) {
    hostaddrs = split_list(hostaddr);
    if (hosts.size() == 1 && hosts.front().empty()) hosts.assign(hostaddrs.size(), "");
    if (hosts.size() != hostaddrs.size()) {
      error = std::to_string(hostaddrs.size()) + " hostaddr values for " +
              std::to_string(hosts.size()) + " hosts (give one per host)";
      return false;
    }
    for (const auto& address : hostaddrs) {
      if (!address.empty() && !is_ip_literal(address)) {
        error = "hostaddr " + secrets_.scrub(quoted(address)) + " is not an IP address";
        return false;
      }
    }
  }
  const auto ports = split_list(setting("port"));
  for (const auto& p : ports) {
    if (!p.empty() && !valid_port(p)) {
      error = "port " + secrets_.scrub(quoted(p)) + " is not a port (1-65535)";
      return false;
    }
  }
  if (ports.size() > 1 && ports.size() != hosts.size()) {
    error = std::to_string(ports.size()) + " ports for " + std::to_string(hosts.size()) +
            " hosts (give one port, or one per host)";
    return false;
  }
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    Endpoint endpoint;
    endpoint.host = hosts[i];
    const std::string& port = ports.size() > 1 ? ports[i] : ports.front();
    if (!port.empty()) endpoint.port = static_cast<std::uint16_t>(std::stoul(port));
    if (!hostaddrs.empty() && !hostaddrs[i].empty()) {
      endpoint.address = hostaddrs[i];
    } else if (endpoint.host.empty() || is_socket_directory(endpoint.host)) {
      const std::string dir = endpoint.host.empty() ? kDefaultSocketDir : endpoint.host;
      endpoint.address = dir + "/.s.PGSQL." + std::to_string(endpoint.port);
      endpoint.unix_socket = true;
    } else {
      endpoint.address = endpoint.host;
    }
    endpoints_.push_back(std::move(endpoint));
  }
  return true;
}

std::optional<std::string> Conninfo::option(std::string_view keyword) const {
  for (const auto& [k, v] : options_) {
    if (k == keyword) return v;
  }
  return std::nullopt;
}

std::string Conninfo::setting(std::string_view keyword) const {
  if (auto value = option(keyword)) return *value;
  for (const auto& [k, variable] : kEnvironment) {
    if (k == keyword) {
      const char* value = std::getenv(variable);
      return value ? value : "";
    }
  }
  return {};
}

Conninfo::Tls Conninfo::tls() const {
  const std::string sslmode = setting("sslmode");
  if (sslmode == "disable" || sslmode == "allow") return Tls::off;
  if (sslmode == "require" || sslmode == "verify-ca" || sslmode == "verify-full")
    return Tls::required;
  return Tls::preferred;
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
