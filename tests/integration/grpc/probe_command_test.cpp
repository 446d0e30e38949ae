// `graced probe` through the real binary: grpc against graced's own gRPC server and a
// python3-grpcio one, http against python's http.server, and every exit code
// grpc_health_probe defines (0 SERVING, 1 bad arguments, 2 connect failed or timed out,
// 3 call failed or timed out, 4 not SERVING).
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "grpc_loop_server.hpp"
#include "harness/files.hpp"
#include "harness/paths.hpp"
#include "harness/ports.hpp"
#include "harness/temp_dir.hpp"
#include "peers/grpc_python_peers.hpp"
#include "peers/http_peer.hpp"
#include "peers/mute_listener.hpp"

namespace graced {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

struct Probed {
  int code = -1;
  std::string out;
  std::string err;
  std::chrono::milliseconds took{0};
};

// Runs `graced probe ARGS...` to completion, stdout and stderr kept apart.
Probed probe(std::vector<std::string> args) {
  args.insert(args.begin(), {test::kGracedBinary, "probe"});
  test::TempDir dir;
  const std::string out = dir.file("out"), err = dir.file("err");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start graced probe");
  Probed p;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() - start > 20s) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "graced probe still running after 20s";
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  p.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start);
  p.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  p.out = test::read_file(out).value_or("");
  p.err = test::read_file(err).value_or("");
  return p;
}

test::GrpcServerSetup setup() {
  test::GrpcServerSetup s;
  s.checks.push_back(
      test::grpc_test_check("db", {health::Probe::readiness}, health::CheckStatus::passing));
  return s;
}

// A listener whose accept queue is full: the kernel drops further SYNs, so a connect
// neither succeeds nor fails until the client gives up.
class FullBacklog {
 public:
  FullBacklog() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd_, 0) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    filler_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(filler_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("cannot fill the backlog");
    }
  }
  ~FullBacklog() {
    close(filler_);
    close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int filler_ = -1;
  std::uint16_t port_ = 0;
};

TEST(ProbeCommandGrpc, ServingAgainstGracedsServerExitsZero) {
  test::GrpcLoopServer server(setup());
  auto p = probe({"grpc", server.address()});
  EXPECT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(p.out, "status: SERVING\n");
  p = probe({"grpc", server.address(), "--service", "db"});
  EXPECT_EQ(p.code, 0) << p.err;
}

TEST(ProbeCommandGrpc, NotServingExitsFour) {
  test::GrpcLoopServer server(setup());
  server.set_check("db", health::CheckStatus::failing);
  auto p = probe({"grpc", server.address(), "--service=readiness"});
  EXPECT_EQ(p.code, 4);
  EXPECT_EQ(p.err, "service unhealthy (responded with \"NOT_SERVING\")\n");
}

TEST(ProbeCommandGrpc, UnknownServiceIsAFailedCall) {
  test::GrpcLoopServer server(setup());
  auto p = probe({"grpc", server.address(), "--service", "nope"});
  EXPECT_EQ(p.code, 3);
  EXPECT_EQ(p.err, "error: health rpc failed: status NOT_FOUND: unknown service nope\n");
}

TEST(ProbeCommandGrpc, ThroughTheHttpListenersHandover) {
  test::GrpcServerSetup s = setup();
  s.entry = test::GrpcEntry::handover;
  test::GrpcLoopServer server(s);
  auto p = probe({"grpc", server.address()});
  EXPECT_EQ(p.code, 0) << p.err;
}

TEST(ProbeCommandGrpc, AgainstARealGrpcServerWithHeaders) {
  test::GrpcHealthPeer peer("SERVING");
  auto p = probe({"grpc", peer.address(), "--service", "users", "--header", "x-probe: yes",
                  "--rpc-timeout", "2s"});
  EXPECT_EQ(p.code, 0) << p.err;
  ASSERT_EQ(peer.requests().size(), 1u);
  EXPECT_THAT(peer.requests()[0], HasSubstr("\"service\": \"users\""));
  EXPECT_THAT(peer.requests()[0], HasSubstr("\"x-probe\": \"yes\""));
  peer.set_state("NOT_SERVING");
  EXPECT_EQ(probe({"grpc", peer.address()}).code, 4);
  peer.set_state("UNIMPLEMENTED");
  p = probe({"grpc", peer.address()});
  EXPECT_EQ(p.code, 3);
  EXPECT_THAT(p.err, HasSubstr("does not implement the grpc health protocol"));
}

TEST(ProbeCommandGrpc, ClosedPortExitsTwo) {
  auto p = probe({"grpc", "127.0.0.1:" + std::to_string(test::free_port())});
  EXPECT_EQ(p.code, 2);
  EXPECT_THAT(p.err, HasSubstr("connection refused"));
}

TEST(ProbeCommandGrpc, ConnectTimeoutExitsTwo) {
  FullBacklog backlog;
  auto p = probe({"grpc", backlog.address(), "--connect-timeout", "300ms"});
  EXPECT_EQ(p.code, 2);
  EXPECT_EQ(p.err,
            "timeout: failed to connect service \"" + backlog.address() + "\" within 300ms\n");
  EXPECT_GE(p.took, 300ms);
  EXPECT_LT(p.took, 10s);
}

TEST(ProbeCommandGrpc, ServerThatNeverAnswersExitsThree) {
  test::MuteListener mute;
  auto p = probe({"grpc", mute.address(), "--rpc-timeout", "400ms"});
  EXPECT_EQ(p.code, 3);
  EXPECT_EQ(p.err, "timeout: health rpc did not complete within 400ms\n");
  EXPECT_GE(p.took, 400ms);
  EXPECT_LT(p.took, 10s);
}

TEST(ProbeCommandGrpc, PythonServerThatHangsExitsThree) {
  test::GrpcHealthPeer peer("HANG");
  auto p = probe({"grpc", peer.address(), "--rpc-timeout", "300ms"});
  EXPECT_EQ(p.code, 3);
  EXPECT_EQ(p.err, "timeout: health rpc did not complete within 300ms\n");
}

TEST(ProbeCommandArgs, BadArgumentsExitOne) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {},
           {"grpc"},
           {"grpc", "nohostport"},
           {"grpc", "127.0.0.1:1", "--rpc-timeout", "soon"},
           {"grpc", "127.0.0.1:1", "--bogus"},
           {"grpc", "127.0.0.1:1", "--header", "novalue"},
           {"grpc", "127.0.0.1:1", "--service"},
           {"http"},
           {"http", "ftp://x/"},
           {"smtp", "x:25"},
       }) {
    auto p = probe(args);
    EXPECT_EQ(p.code, 1) << ::testing::PrintToString(args);
    EXPECT_THAT(p.err, HasSubstr("graced probe: ")) << ::testing::PrintToString(args);
  }
  auto help = probe({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("Usage: graced probe grpc"));
}

TEST(ProbeCommandHttp, StatusDecidesTheExitCode) {
  test::HttpPeer http;
  auto ok = probe({"http", http.url("/?status=200")});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, "HTTP 200\n");
  EXPECT_EQ(probe({"http", http.url("/?status=302")}).code, 0);
  auto unavailable = probe({"http", http.url("/?status=503")});
  EXPECT_EQ(unavailable.code, 4);
  EXPECT_EQ(unavailable.err, "unhealthy: HTTP 503\n");
  EXPECT_EQ(probe({"http", http.url("/?status=404")}).code, 4);
}

TEST(ProbeCommandHttp, ClosedPortExitsTwo) {
  auto p = probe({"http", "http://127.0.0.1:" + std::to_string(test::free_port()) + "/"});
  EXPECT_EQ(p.code, 2);
  EXPECT_THAT(p.err, HasSubstr("connection refused"));
}

TEST(ProbeCommandHttp, HangingServerExitsThreeAtTheTimeout) {
  test::HttpPeer http;
  auto p = probe({"http", http.url("/?hang=1"), "--timeout", "500ms"});
  EXPECT_EQ(p.code, 3);
  EXPECT_THAT(p.err, HasSubstr("timeout: no response from"));
  EXPECT_GE(p.took, 500ms);
  EXPECT_LT(p.took, 10s);
}

TEST(ProbeCommandHttp, GracedsOwnReadyzOverHttp2IsNotHttp1) {
  // graced's gRPC listener speaks HTTP/2 only; an HTTP/1.1 probe gets no answer there.
  test::GrpcLoopServer server(setup());
  auto p = probe({"http", "http://" + server.address() + "/readyz"});
  EXPECT_EQ(p.code, 3);
  EXPECT_THAT(p.err, HasSubstr("connection closed before a response"));
}

}  // namespace
}  // namespace graced
