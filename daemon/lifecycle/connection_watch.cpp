#include "lifecycle/connection_watch.hpp"

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "process/proc_file.hpp"

namespace graced {
namespace {

constexpr std::string_view kListen = "0A";

// The first `n` fields of a line, split at spaces (the table's columns are space-aligned).
std::vector<std::string_view> fields(std::string_view line, size_t n) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (out.size() < n) {
    pos = line.find_first_not_of(' ', pos);
    if (pos == std::string_view::npos) break;
    const size_t end = std::min(line.find(' ', pos), line.size());
    out.push_back(line.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

}  // namespace

std::set<std::string> connection_tuples(const std::string& table_text,
                                        const std::vector<std::uint16_t>& ports) {
  std::set<std::string> out;
  std::string_view rest = table_text;
  bool header = true;
  while (!rest.empty()) {
    const size_t eol = std::min(rest.find('\n'), rest.size());
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(std::min(eol + 1, rest.size()));
    if (std::exchange(header, false)) continue;
    // sl local_address rem_address st ...
    const auto f = fields(line, 4);
    if (f.size() < 4 || f[3] == kListen) continue;
    const std::string local(f[1]);
    auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    unsigned long port = std::strtoul(local.c_str() + colon + 1, nullptr, 16);
    bool wanted = false;
    for (auto p : ports)
      if (p == port) wanted = true;
    if (wanted) out.insert(local + ">" + std::string(f[2]));
  }
  return out;
}

ConnectionWatch::ConnectionWatch(uv_loop_t* loop, std::vector<std::uint16_t> ports)
    : loop_(loop), ports_(std::move(ports)), timer_(loop) {}

std::set<std::string> ConnectionWatch::snapshot() const {
  auto tuples = connection_tuples(process::read_proc_file("/proc/net/tcp"), ports_);
  auto six = connection_tuples(process::read_proc_file("/proc/net/tcp6"), ports_);
  tuples.insert(six.begin(), six.end());
  return tuples;
}

void ConnectionWatch::start(std::uint64_t quiet_ms, std::function<void()> on_quiet,
                            std::uint64_t poll_ms) {
  quiet_ms_ = quiet_ms;
  on_quiet_ = std::move(on_quiet);
  seen_ = snapshot();
  last_new_ms_ = uv_now(loop_);
  timer_.start(
      poll_ms, [this] { poll(); }, poll_ms);
}

void ConnectionWatch::stop() {
  timer_.stop();
}

void ConnectionWatch::poll() {
  auto now = snapshot();
  for (const auto& t : now) {
    if (seen_.insert(t).second) {
      ++new_connections_;
      last_new_ms_ = uv_now(loop_);
    }
  }
  // Told on every poll while quiet: the caller may also need a minimum drain time.
  if (uv_now(loop_) - last_new_ms_ >= quiet_ms_ && on_quiet_) on_quiet_();
}

}  // namespace graced
