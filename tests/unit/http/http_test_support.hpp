// What the HTTP server tests share: a libuv loop on its own thread that owns the Server,
// a blocking raw-socket client for the test thread, and curl.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/message.hpp"
#include "http/server.hpp"

namespace graced::http::testing {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Runs a uv loop in a background thread. Everything that touches the loop's handles runs
// there, through run(); the test thread only waits for the results.
class LoopThread {
 public:
  LoopThread() {
    uv_loop_init(&loop_);
    uv_async_init(&loop_, &async_,
                  [](uv_async_t* a) { static_cast<LoopThread*>(a->data)->drain(); });
    async_.data = this;
    thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  }
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;
  ~LoopThread() { shutdown(); }

  uv_loop_t* loop() { return &loop_; }

  template <class F>
  auto run(F&& fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::forward<F>(fn));
    auto result = task.get_future();
    post([&task] { task(); });
    return result.get();
  }

  // Ends the loop. Every handle must be closed by now: a handle still open was leaked by
  // the code under test, so it is counted (a test failure) and closed to let the loop end.
  void shutdown() {
    if (!thread_.joinable()) return;
    post([this] {
      uv_close(reinterpret_cast<uv_handle_t*>(&async_), nullptr);
      uv_walk(
          &loop_,
          [](uv_handle_t* h, void* leaked) {
            if (!uv_is_closing(h)) {
              ++*static_cast<int*>(leaked);
              uv_close(h, nullptr);
            }
          },
          &leaked_);
    });
    thread_.join();
    EXPECT_EQ(leaked_, 0) << "handles left open on the loop";
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

 private:
  void post(std::function<void()> fn) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(fn));
    }
    uv_async_send(&async_);
  }

  void drain() {
    std::vector<std::function<void()>> batch;
    {
      std::lock_guard lock(mutex_);
      batch.swap(queue_);
    }
    for (auto& fn : batch)
      fn();
  }

  uv_loop_t loop_{};
  uv_async_t async_{};
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::function<void()>> queue_;
  int leaked_ = 0;
};

struct ParsedResponse {
  int status = 0;
  Fields headers;
  std::string body;

  std::optional<std::string> header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (iequals(k, name)) return v;
    }
    return std::nullopt;
  }
};

// A blocking TCP client with deadlines, for the test thread.
class RawClient {
 public:
  // receive_buffer > 0 shrinks SO_RCVBUF before connecting (for a client that never reads).
  explicit RawClient(int port, bool ipv6 = false, int receive_buffer = 0) {
    fd_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (receive_buffer > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    int rc = -1;
    if (ipv6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(static_cast<std::uint16_t>(port));
      a.sin6_addr = in6addr_loopback;
      rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<std::uint16_t>(port));
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    connected_ = rc == 0;
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }

  bool connected() const { return connected_; }

  // False when the server has closed the connection (EPIPE / ECONNRESET).
  bool send(std::string_view data) {
    while (!data.empty()) {
      auto n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads one response. A HEAD response has no body whatever its Content-Length says.
  std::optional<ParsedResponse> read_response(bool head = false,
                                              std::chrono::milliseconds timeout = 5s) {
    auto deadline = Clock::now() + timeout;
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill(deadline)) return std::nullopt;
    }
    ParsedResponse r;
    std::string_view head_text(buffer_.data(), end);
    auto line_end = head_text.find("\r\n");
    auto status_line = head_text.substr(0, line_end);
    if (!status_line.starts_with("HTTP/1.1 ") || status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(std::string(status_line.substr(9, 3)));
    while (line_end != std::string_view::npos) {
      auto start = line_end + 2;
      line_end = head_text.find("\r\n", start);
      auto line = head_text.substr(
          start, line_end == std::string_view::npos ? std::string_view::npos : line_end - start);
      auto colon = line.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
      r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    buffer_.erase(0, end + 4);
    std::size_t length = 0;
    if (auto cl = r.header("content-length"); cl && !head) length = std::stoul(*cl);
    while (buffer_.size() < length) {
      if (!fill(deadline)) return std::nullopt;
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  // Waits until the server closes the connection (EOF or reset); whatever arrives first
  // stays readable in received(). False if still open at the deadline.
  bool wait_closed(std::chrono::milliseconds timeout = 5s) {
    auto deadline = Clock::now() + timeout;
    while (fill(deadline)) {
    }
    return closed_;
  }

  // True if nothing arrives and the connection stays open for the whole period.
  bool stays_silent(std::chrono::milliseconds period) {
    auto before = buffer_.size();
    fill(Clock::now() + period);
    return !closed_ && buffer_.size() == before;
  }

  const std::string& received() const { return buffer_; }
  bool closed() const { return closed_; }

 private:
  // Reads once; false on timeout, EOF or error.
  bool fill(Clock::time_point deadline) {
    if (closed_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno == EINTR) return true;
    if (rc <= 0) return false;
    char chunk[16384];
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string buffer_;
};

struct CurlResult {
  int exit_code = -1;
  std::string output;
};

// Runs the real curl with a hard time limit; arguments are single-quoted for the shell.
inline CurlResult curl(const std::vector<std::string>& args) {
  std::string cmd = "curl -sS --max-time 10";
  for (const auto& a : args) {
    std::string quoted = "'";
    for (char c : a)
      quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    cmd += " " + quoted + "'";
  }
  cmd += " 2>&1";
  CurlResult result;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return result;
  char chunk[4096];
  std::size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0)
    result.output.append(chunk, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// A Server on a loop thread, listening on an ephemeral loopback port.
class HttpServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    loop.run([this] { server.reset(); });
    loop.shutdown();
  }

  // Starts the server; listen defaults to 127.0.0.1:0.
  void start(ServerOptions options, Handler handler) {
    if (options.listen == ServerOptions{}.listen) options.listen = "127.0.0.1:0";
    auto error = loop.run([&] {
      server = std::make_unique<Server>(loop.loop(), std::move(options), std::move(handler));
      return server->start();
    });
    ASSERT_FALSE(error) << *error;
    port = loop.run([this] { return server->port(); });
    ASSERT_GT(port, 0);
  }

  ServerStats stats() {
    return loop.run([this] { return server->stats(); });
  }

  // Polls the server's stats until pred holds or the timeout passes.
  bool wait_for_stats(const std::function<bool(const ServerStats&)>& pred,
                      std::chrono::milliseconds timeout = 5s) {
    auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (pred(stats())) return true;
      std::this_thread::sleep_for(10ms);
    }
    return pred(stats());
  }

  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port) + std::string(path);
  }

  LoopThread loop;
  std::unique_ptr<Server> server;
  int port = 0;
};

// A handler answering 200 with the request path as the body.
inline Handler echo_path() {
  return [](const Request& req, Responder r) { r.send(Response{200, {}, req.path}); };
}

inline std::string get(std::string_view path, std::string_view extra_headers = {}) {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra_headers) +
         "\r\n";
}

}  // namespace graced::http::testing
