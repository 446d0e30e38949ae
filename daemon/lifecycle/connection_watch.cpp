#include "lifecycle/connection_watch.hpp"

#include <fstream>
#include <sstream>

namespace graced {
namespace {

constexpr const char* kListen = "0A";

std::string read_all(const char* path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::set<std::string> connection_tuples(const std::string& table_text,
                                        const std::vector<std::uint16_t>& ports) {
  std::set<std::string> out;
  std::istringstream in(table_text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state)) continue;
    if (state == kListen) continue;
    auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    unsigned long port = std::strtoul(local.c_str() + colon + 1, nullptr, 16);
    bool wanted = false;
    for (auto p : ports)
      if (p == port) wanted = true;
    if (wanted) out.insert(local + ">" + remote);
  }
  return out;
}

ConnectionWatch::ConnectionWatch(uv_loop_t* loop, std::vector<std::uint16_t> ports)
    : loop_(loop), ports_(std::move(ports)), timer_(loop) {}

std::set<std::string> ConnectionWatch::snapshot() const {
  // procfs is served from memory: these reads do not wait on a device.
  auto tuples = connection_tuples(read_all("/proc/net/tcp"), ports_);
  auto six = connection_tuples(read_all("/proc/net/tcp6"), ports_);
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
