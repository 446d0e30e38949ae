#include "config/signal_names.hpp"

#include <csignal>
#include <cstring>
#include <utility>

namespace graced::config {
namespace {

constexpr std::pair<const char*, int> kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"BUS", SIGBUS},   {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP}, {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},   {"XCPU", SIGXCPU},
    {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH},
    {"IO", SIGIO},     {"PWR", SIGPWR},       {"SYS", SIGSYS},   {"IOT", SIGABRT},
    {"POLL", SIGIO},   {"CLD", SIGCHLD},
};

std::optional<int> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 32);
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 32);
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::optional<int> parse_signal(std::string_view text) {
  std::string_view name = text;
  if (name.size() > 3 && iequals(name.substr(0, 3), "SIG")) name.remove_prefix(3);
  // "SIG32" is what signal_name() gives for a signal without a name; it must read back.
  if (auto n = parse_number(name)) {
    if (*n >= 1 && *n <= SIGRTMAX) return n;
    return std::nullopt;
  }
  for (const auto& [n, signo] : kSignals) {
    if (iequals(name, n)) return signo;
  }
  // Real-time signals: RTMIN, RTMIN+n, RTMAX, RTMAX-n.
  auto rt = [&](std::string_view base, int value, int sign) -> std::optional<int> {
    if (name.size() < base.size() || !iequals(name.substr(0, base.size()), base))
      return std::nullopt;
    std::string_view rest = name.substr(base.size());
    if (rest.empty()) return value;
    if (rest[0] != (sign > 0 ? '+' : '-')) return std::nullopt;
    auto off = parse_number(rest.substr(1));
    if (!off) return std::nullopt;
    int v = value + sign * *off;
    if (v < SIGRTMIN || v > SIGRTMAX) return std::nullopt;
    return v;
  };
  if (auto v = rt("RTMIN", SIGRTMIN, 1)) return v;
  if (auto v = rt("RTMAX", SIGRTMAX, -1)) return v;
  return std::nullopt;
}

std::string signal_name(int signo) {
  for (const auto& [n, s] : kSignals) {
    if (s == signo) return std::string("SIG") + n;
  }
  if (signo >= SIGRTMIN && signo <= SIGRTMAX) {
    if (signo == SIGRTMIN) return "SIGRTMIN";
    return "SIGRTMIN+" + std::to_string(signo - SIGRTMIN);
  }
  return "SIG" + std::to_string(signo);
}

}  // namespace graced::config
