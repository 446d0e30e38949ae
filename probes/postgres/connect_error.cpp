#include "probes/postgres/connect_error.hpp"

#include <array>
#include <cctype>

namespace graced::probes {
namespace {

bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}

// Verbose mode adds lines like "DETAIL:  ..." and "LOCATION:  auth_failed, auth.c:334".
bool is_field_line(std::string_view line) {
  static constexpr std::array<std::string_view, 6> kFields = {
      "DETAIL:  ", "HINT:  ", "LOCATION:  ", "CONTEXT:  ", "QUERY:  ", "STATEMENT:  "};
  for (auto f : kFields) {
    if (line.starts_with(f)) return true;
  }
  return false;
}

bool is_sqlstate(std::string_view s) {
  if (s.size() != 5) return false;
  for (char c : s) {
    if (!is_upper(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  return s;
}

// "Connection refused" -> "connection refused"; "SSL SYSCALL error" stays.
std::string sentence_case(std::string_view s) {
  std::string out(s);
  if (out.size() > 1 && is_upper(out[0]) && is_lower(out[1]))
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

}  // namespace

ConnectError read_connect_error(std::string_view message) {
  ConnectError out;
  std::size_t start = 0;
  while (start < message.size()) {
    std::size_t end = message.find('\n', start);
    if (end == std::string_view::npos) end = message.size();
    std::string_view line = message.substr(start, end - start);
    start = end + 1;
    if (line.empty() || std::isspace(static_cast<unsigned char>(line.front())) ||
        is_field_line(line)) {
      continue;  // hints ("\tIs the server running ...") and verbose details
    }
    if (line.starts_with("connection to server")) {
      const std::size_t failed = line.find("failed: ");
      if (failed != std::string_view::npos) line.remove_prefix(failed + 8);
    }
    // A server's error: "SEVERITY:  SQLSTATE: text" (the severity may be translated).
    const std::size_t sep = line.find(":  ");
    if (sep != std::string_view::npos && line.substr(0, sep).find(' ') == std::string_view::npos &&
        line.size() >= sep + 10 && is_sqlstate(line.substr(sep + 3, 5)) &&
        line.substr(sep + 8, 2) == ": ") {
      out.sqlstate = std::string(line.substr(sep + 3, 5));
      out.server_message = std::string(trim(line.substr(sep + 10)));
      out.reason = out.server_message;
      continue;
    }
    if (!trim(line).empty()) out.reason = sentence_case(trim(line));
  }
  if (out.reason.empty()) out.reason = "connection failed";
  return out;
}

}  // namespace graced::probes
