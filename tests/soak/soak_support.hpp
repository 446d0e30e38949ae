// What the soak tests share: sizes that scale with $GRACED_SOAK_SCALE, what /proc says
// about graced's memory and descriptors, raw sockets, and the figures each test reports.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace graced::test::soak {

// 1.0 with GRACED_SOAK_SCALE=full (what `make soak` runs), the number itself when it is
// one (e.g. 0.5), else 0.1: the short size ctest runs in CI.
double scale();
// `full` scaled, at least `minimum`.
int sized(int full, int minimum = 1);

// VmRSS in KiB; 0 when the process is gone.
long rss_kib(pid_t pid);
// Entries in /proc/PID/fd; -1 when the process is gone.
int fd_count(pid_t pid);

// The p-th percentile (0..100) of `values` (sorted in place); 0 for none.
double percentile(std::vector<double>& values, double p);

// One line of figures: printed on stdout as "[soak] TEST: TEXT" and appended to
// $GRACED_SOAK_REPORT when it is set (`make soak` prints that file at the end).
void report(const std::string& text);

// A blocking TCP connection to 127.0.0.1:port with MSG_NOSIGNAL writes. Throws
// std::runtime_error when it cannot connect.
class RawConnection {
 public:
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  int fd() const { return fd_; }
  // False when the peer has closed (or reset) the connection.
  bool send(const std::string& bytes);
  // Everything received until the peer closes or `timeout` passes; `closed` tells which.
  std::string read_until_closed(std::chrono::milliseconds timeout, bool* closed);

 private:
  int fd_ = -1;
};

// The status of the first HTTP/1.1 response in `bytes`, 0 when there is none.
int first_status(const std::string& bytes);
// The statuses of every response in `bytes`, in order.
std::vector<int> all_statuses(const std::string& bytes);

}  // namespace graced::test::soak
