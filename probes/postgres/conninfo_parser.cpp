#include "probes/postgres/conninfo_parser.hpp"

#include <algorithm>

namespace graced::probes {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_known(std::string_view keyword) {
  const auto& known = conninfo_keywords();
  return std::find(known.begin(), known.end(), keyword) != known.end();
}

void store(ConnOptions& options, std::string keyword, std::string value) {
  for (auto& [k, v] : options) {
    if (k == keyword) {
      v = std::move(value);
      return;
    }
  }
  options.emplace_back(std::move(keyword), std::move(value));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> uri_decode(std::string_view text, std::string& error) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      error = "invalid percent-encoded token: \"" + std::string(text) + "\"";
      return std::nullopt;
    }
    if (hi == 0 && lo == 0) {
      error = "forbidden value %00 in percent-encoded value: \"" + std::string(text) + "\"";
      return std::nullopt;
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// libpq's conninfo_storeval: `requiressl` is the old spelling of sslmode.
bool store_option(ConnOptions& options, std::string keyword, std::string value) {
  if (keyword == "requiressl") {
    keyword = "sslmode";
    value = value.starts_with('1') ? "require" : "prefer";
  }
  if (!is_known(keyword)) return false;
  store(options, std::move(keyword), std::move(value));
  return true;
}

bool store_decoded(ConnOptions& options, const char* keyword, std::string_view value,
                   std::string& error) {
  auto decoded = uri_decode(value, error);
  return decoded && store_option(options, keyword, std::move(*decoded));
}

std::optional<ConnOptions> parse_key_value(std::string_view text, std::string& error) {
  ConnOptions options;
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    if (is_space(text[i])) {
      ++i;
      continue;
    }
    const std::size_t name_start = i;
    std::size_t name_end = n;
    while (i < n) {
      if (text[i] == '=') {
        name_end = i;
        break;
      }
      if (is_space(text[i])) {
        name_end = i;
        while (i < n && is_space(text[i]))
          ++i;
        break;
      }
      ++i;
    }
    const std::string name(text.substr(name_start, std::min(name_end, i) - name_start));
    if (i >= n || text[i] != '=') {
      error = "missing \"=\" after \"" + name + "\" in connection info string";
      return std::nullopt;
    }
    ++i;
    while (i < n && is_space(text[i]))
      ++i;
    std::string value;
    if (i < n && text[i] == '\'') {
      for (++i;; ++i) {
        if (i >= n) {
          error = "unterminated quoted string in connection info string";
          return std::nullopt;
        }
        if (text[i] == '\\') {
          if (i + 1 < n) value += text[++i];
          continue;
        }
        if (text[i] == '\'') {
          ++i;
          break;
        }
        value += text[i];
      }
    } else {
      for (; i < n; ++i) {
        if (is_space(text[i])) {
          ++i;
          break;
        }
        if (text[i] == '\\') {
          if (i + 1 < n) value += text[++i];
        } else {
          value += text[i];
        }
      }
    }
    if (!store_option(options, name, std::move(value))) {
      error = "invalid connection option \"" + name + "\"";
      return std::nullopt;
    }
  }
  return options;
}

bool parse_uri_params(std::string_view params, ConnOptions& options, std::string& error) {
  std::size_t i = 0;
  while (i < params.size()) {
    std::size_t end = params.find('&', i);
    if (end == std::string_view::npos) end = params.size();
    const std::string_view param = params.substr(i, end - i);
    const std::size_t eq = param.find('=');
    if (eq == std::string_view::npos) {
      error = "missing key/value separator \"=\" in URI query parameter: \"" + std::string(param) +
              "\"";
      return false;
    }
    if (param.find('=', eq + 1) != std::string_view::npos) {
      error = "extra key/value separator \"=\" in URI query parameter: \"" +
              std::string(param.substr(0, eq)) + "\"";
      return false;
    }
    auto keyword = uri_decode(param.substr(0, eq), error);
    if (!keyword) return false;
    auto value = uri_decode(param.substr(eq + 1), error);
    if (!value) return false;
    const bool stored = (*keyword == "ssl" && *value == "true")
                            ? store_option(options, "sslmode", "require")  // as JDBC spells it
                            : store_option(options, *keyword, *value);
    if (!stored) {
      error = "invalid URI query parameter: \"" + *keyword + "\"";
      return false;
    }
    i = end + 1;
  }
  return true;
}

std::optional<ConnOptions> parse_uri(std::string_view uri, std::size_t prefix, std::string& error) {
  ConnOptions options;
  const std::string_view rest = uri.substr(prefix);
  const std::size_t n = rest.size();
  const auto at = [&](std::size_t i) { return i < n ? rest[i] : '\0'; };

  // "user[:password]@" when an '@' comes before any '/'.
  std::size_t p = rest.find_first_of("@/");
  if (at(p == std::string_view::npos ? n : p) == '@') {
    const std::size_t user_end = rest.find_first_of(":@");
    if (user_end > 0 && !store_decoded(options, "user", rest.substr(0, user_end), error))
      return std::nullopt;
    if (rest[user_end] == ':' && p > user_end + 1 &&
        !store_decoded(options, "password", rest.substr(user_end + 1, p - user_end - 1), error))
      return std::nullopt;
    ++p;
  } else {
    p = 0;
  }

  // netloc[:port], comma-separated; an IPv6 address in brackets.
  const auto ends_host = [](char c) { return c == '\0' || c == ':' || c == '/' || c == '?'; };
  std::string hosts, ports;
  char stop = '\0';
  for (;;) {
    std::size_t host_start = p, host_end = p;
    if (at(p) == '[') {
      host_start = ++p;
      while (p < n && rest[p] != ']')
        ++p;
      if (p >= n) {
        error =
            "end of string reached when looking for matching \"]\" in IPv6 host address in "
            "URI: \"" +
            std::string(uri) + "\"";
        return std::nullopt;
      }
      if (p == host_start) {
        error = "IPv6 host address may not be empty in URI: \"" + std::string(uri) + "\"";
        return std::nullopt;
      }
      host_end = p++;
      if (!ends_host(at(p)) && at(p) != ',') {
        error = std::string("unexpected character \"") + at(p) + "\" at position " +
                std::to_string(prefix + p + 1) + " in URI (expected \":\" or \"/\"): \"" +
                std::string(uri) + "\"";
        return std::nullopt;
      }
    } else {
      while (!ends_host(at(p)) && at(p) != ',')
        ++p;
      host_end = p;
    }
    hosts += rest.substr(host_start, host_end - host_start);
    stop = at(p);
    if (stop == ':') {
      const std::size_t port_start = ++p;
      while (at(p) != '\0' && at(p) != '/' && at(p) != '?' && at(p) != ',')
        ++p;
      ports += rest.substr(port_start, p - port_start);
      stop = at(p);
    }
    if (stop != ',') break;
    ++p;
    hosts += ',';
    ports += ',';
  }
  if (!hosts.empty() && !store_decoded(options, "host", hosts, error)) return std::nullopt;
  if (!ports.empty() && !store_decoded(options, "port", ports, error)) return std::nullopt;

  if (stop == '/') {
    const std::size_t db_start = ++p;
    while (at(p) != '\0' && at(p) != '?')
      ++p;
    // An empty name is left unset, so that the server's default applies.
    if (p > db_start &&
        !store_decoded(options, "dbname", rest.substr(db_start, p - db_start), error))
      return std::nullopt;
    stop = at(p);
  }
  if (stop == '?' && !parse_uri_params(rest.substr(p + 1), options, error)) return std::nullopt;
  return options;
}

std::size_t uri_prefix_length(std::string_view text) {
  for (std::string_view prefix : {"postgresql://", "postgres://"}) {
    if (text.starts_with(prefix)) return prefix.size();
  }
  return 0;
}

}  // namespace

const std::vector<std::string_view>& conninfo_keywords() {
  static const std::vector<std::string_view> keywords = {
      "service",
      "user",
      "password",
      "passfile",
      "channel_binding",
      "connect_timeout",
      "dbname",
      "host",
      "hostaddr",
      "port",
      "client_encoding",
      "options",
      "application_name",
      "fallback_application_name",
      "keepalives",
      "keepalives_idle",
      "keepalives_interval",
      "keepalives_count",
      "tcp_user_timeout",
      "sslmode",
      "sslcompression",
      "sslcert",
      "sslkey",
      "sslpassword",
      "sslrootcert",
      "sslcrl",
      "sslcrldir",
      "sslsni",
      "requirepeer",
      "ssl_min_protocol_version",
      "ssl_max_protocol_version",
      "gssencmode",
      "krbsrvname",
      "gsslib",
      "replication",
      "target_session_attrs",
  };
  return keywords;
}

std::optional<ConnOptions> parse_conninfo_text(std::string_view text, std::string& error) {
  // libpq gets a C string: it ends at the first NUL.
  text = text.substr(0, text.find('\0'));
  if (const std::size_t prefix = uri_prefix_length(text)) return parse_uri(text, prefix, error);
  return parse_key_value(text, error);
}

}  // namespace graced::probes
