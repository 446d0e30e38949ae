// What /metrics shows: read at scrape time from the parts that keep their own counters
// (Health, the check runners, the lifecycle, the hooks, the spawner, the HTTP and gRPC
// servers, the sd_notify socket), plus the few things only the daemon sees (signals, the
// child's start time, check durations). Every label value is bounded: check and hook names
// come from the configuration, paths are reduced to a class, methods to a known few.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "metrics/exposition.hpp"

namespace graced {
class Lifecycle;
namespace endpoints {
class Router;
}
namespace grpc {
class Server;
}
namespace health {
class Health;
}
namespace hooks {
class LifecycleHooks;
}
namespace http {
class Server;
}
namespace notify {
class NotifySocket;
}
namespace probes {
class CheckEngine;
}
namespace process {
class Spawner;
}
namespace supervisor {
class Supervisor;
}
}  // namespace graced

namespace graced::metrics {

// The parts to read; any of the pointers may be null (a listener that is off).
struct Sources {
  const health::Health* health = nullptr;
  probes::CheckEngine* checks = nullptr;
  const Lifecycle* lifecycle = nullptr;
  const hooks::LifecycleHooks* hooks = nullptr;
  const process::Spawner* spawner = nullptr;
  const supervisor::Supervisor* supervisor = nullptr;
  const endpoints::Router* router = nullptr;
  const http::Server* http = nullptr;
  const grpc::Server* grpc = nullptr;
  const notify::NotifySocket* notify = nullptr;
};

class DaemonMetrics {
 public:
  // Starts observing check durations.
  explicit DaemonMetrics(Sources sources);

  void signal_received(int signo) { ++received_[signo]; }
  void signal_forwarded(int signo) { ++forwarded_[signo]; }
  void child_started();

  std::string render() const;

 private:
  Sources s_;
  std::map<int, std::uint64_t> received_;
  std::map<int, std::uint64_t> forwarded_;
  double child_start_time_ = 0;  // unix seconds; 0 before the child started
  std::map<std::string, Histogram> check_durations_;
};

}  // namespace graced::metrics
