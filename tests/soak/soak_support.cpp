#include "soak_support.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace graced::test::soak {

double scale() {
  const char* env = std::getenv("GRACED_SOAK_SCALE");
  if (env == nullptr || *env == '\0') return 0.1;
  if (std::string(env) == "full") return 1.0;
  char* end = nullptr;
  double v = std::strtod(env, &end);
  return (end != env && *end == '\0' && v > 0) ? v : 0.1;
}

int sized(int full, int minimum) {
  return std::max(minimum, static_cast<int>(std::lround(full * scale())));
}

long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return 0;
}

int fd_count(pid_t pid) {
  DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (dir == nullptr) return -1;
  int n = 0;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n;
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::min(values.size() - 1, rank == 0 ? 0 : rank - 1)];
}

void report(const std::string& text) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "soak";
  std::string line =
      "[soak] " + name + " (scale " + std::to_string(scale()).substr(0, 4) + "): " + text + "\n";
  std::cout << line << std::flush;
  if (const char* path = std::getenv("GRACED_SOAK_REPORT"); path && *path) {
    std::ofstream(path, std::ios::app) << line;
  }
}

RawConnection::RawConnection(std::uint16_t port) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    close(fd_);
    fd_ = -1;
    throw std::runtime_error(std::string("connect: ") + std::strerror(err));
  }
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string RawConnection::read_until_closed(std::chrono::milliseconds timeout, bool* closed) {
  std::string out;
  *closed = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return out;
    pollfd p{fd_, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return out;
    char buf[16384];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *closed = true;
      return out;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
}

std::vector<int> all_statuses(const std::string& bytes) {
  std::vector<int> out;
  static const std::regex status_line("HTTP/1\\.[01] ([0-9]{3}) ");
  for (std::sregex_iterator it(bytes.begin(), bytes.end(), status_line), end; it != end; ++it)
    out.push_back(std::stoi((*it)[1].str()));
  return out;
}

int first_status(const std::string& bytes) {
  auto all = all_statuses(bytes);
  return all.empty() ? 0 : all.front();
}

}  // namespace graced::test::soak
