// The postgres check's default mode against a scripted fake server: each answer a server
// can give to the startup exchange and what the check makes of it, over TCP, Unix sockets
// (a directory and an abstract name) and several endpoints. Against a real PostgreSQL
// server: tests/integration/probes/postgres_check_test.cpp.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "config/diagnostics.hpp"
#include "config/section.hpp"
#include "loop/handle.hpp"
#include "probes/check.hpp"
#include "probes/check_config.hpp"

namespace graced::probes {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>((v >> 16) & 0xff),
          static_cast<char>((v >> 8) & 0xff), static_cast<char>(v & 0xff)};
}

std::uint32_t read_be32(std::string_view bytes) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

// Backend messages.
std::string message(char type, const std::string& body) {
  return type + be32(static_cast<std::uint32_t>(body.size() + 4)) + body;
}
std::string auth(std::uint32_t request, const std::string& data = {}) {
  return message('R', be32(request) + data);
}
std::string error(const std::string& sqlstate, const std::string& text) {
  return message('E', "SFATAL\0C"s + sqlstate + "\0M"s + text + "\0\0"s);
}
std::string session_ready() {
  return message('S',
                 "server_version\0"
                 "15.0\0"s) +
         message('K', be32(1) + be32(2)) + message('Z', "I");
}

// One accepted connection, as the server script sees it. Every read waits at most 5s.
class Peer {
 public:
  explicit Peer(int fd) : fd_(fd) {}

  // Exactly `n` bytes; fewer at end of stream or timeout.
  std::string read(std::size_t n) {
    std::string out;
    while (out.size() < n) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) != 1) break;
      char buf[4096];
      const ssize_t got = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
      if (got <= 0) break;
      out.append(buf, static_cast<std::size_t>(got));
    }
    return out;
  }
  // A startup-phase packet (SSLRequest, StartupMessage): its body after the length.
  std::string read_packet() {
    const std::string length = read(4);
    if (length.size() < 4) return {};
    return read(read_be32(length) - 4);
  }
  // A typed message: its type and body.
  std::pair<char, std::string> read_message() {
    const std::string head = read(5);
    if (head.size() < 5) return {0, {}};
    return {head[0], read(read_be32(head.substr(1)) - 4)};
  }
  void write(const std::string& bytes) { (void)::send(fd_, bytes.data(), bytes.size(), 0); }

 private:
  int fd_;
};

// The StartupMessage's parameters.
std::map<std::string, std::string> parameters(const std::string& packet) {
  std::map<std::string, std::string> out;
  if (packet.size() < 4 || read_be32(packet) != 196608) return out;
  std::size_t i = 4;
  while (i < packet.size() && packet[i] != '\0') {
    const std::size_t name_end = packet.find('\0', i);
    const std::size_t value_end = packet.find('\0', name_end + 1);
    out[packet.substr(i, name_end - i)] = packet.substr(name_end + 1, value_end - name_end - 1);
    i = value_end + 1;
  }
  return out;
}

bool is_ssl_request(const std::string& packet) {
  return packet == be32(80877103);
}

// Listens on 127.0.0.1 (or a Unix socket path; '@' for an abstract name), accepts one
// connection and runs the script on it in a thread of its own.
class FakeServer {
 public:
  using Script = std::function<void(Peer&)>;

  explicit FakeServer(Script script, const std::string& unix_path = {}) {
    if (unix_path.empty()) {
      fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in address{};
      address.sin_family = AF_INET;
      address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        throw std::runtime_error("bind");
      socklen_t length = sizeof address;
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
      port_ = ntohs(address.sin_port);
    } else {
      fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      std::memcpy(address.sun_path, unix_path.data(), unix_path.size());
      socklen_t length = sizeof address;
      if (unix_path.front() == '@') {
        address.sun_path[0] = '\0';
        length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + unix_path.size());
      }
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0)
        throw std::runtime_error("bind " + unix_path);
    }
    ::listen(fd_, 4);
    thread_ = std::thread([this, script = std::move(script)] {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) != 1) return;
      const int connection = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) return;
      Peer peer(connection);
      script(peer);
      ::close(connection);
    });
  }
  ~FakeServer() {
    thread_.join();
    ::close(fd_);
  }
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& userinfo = "app:secret",
                  const std::string& query = "?sslmode=disable") const {
    return "postgresql://" + userinfo + "@127.0.0.1:" + std::to_string(port_) + "/appdb" + query;
  }

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

// A port nothing listens on.
std::uint16_t closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

class PostgresStartupProbeTest : public ::testing::Test {
 protected:
  void SetUp() override { uv_loop_init(&loop_); }
  void TearDown() override {
    check_.reset();
    for (int i = 0; i < 100 && uv_loop_alive(&loop_); ++i)
      uv_run(&loop_, UV_RUN_NOWAIT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "handles left open";
  }

  // The result of one attempt of a postgres check with this url.
  CheckResult attempt(const std::string& url) {
    config::Diagnostics diags;
    config::Document doc;
    doc.load_string("[[checks]]\nname = \"db\"\ntype = \"postgres\"\nurl = \"" + url + "\"\n",
                    "t.toml", diags);
    const config::SectionSpec spec{"", "", {{"checks", "table", "", ""}}};
    config::Section root = doc.root(spec, diags);
    auto checks = parse_checks_config(root);
    EXPECT_FALSE(diags.has_errors());
    if (checks.size() != 1) return CheckResult::fail("<bad config>");
    config_ = checks.front();
    check_ =
        config_.kind->create(config_.settings, {&loop_, nullptr, "db", config::Duration{1000}});
    std::optional<CheckResult> result;
    check_->start([&](CheckResult r) { result = std::move(r); });
    loop::Timer tick(&loop_);
    tick.start(
        10, [] {}, 10);  // wakes the loop, so the deadline is seen
    const auto deadline = std::chrono::steady_clock::now() + 8s;
    while (!result && std::chrono::steady_clock::now() < deadline)
      uv_run(&loop_, UV_RUN_ONCE);
    tick.close();
    return result.value_or(CheckResult::fail("<no result>"));
  }

  uv_loop_t loop_{};
  CheckConfig config_;
  std::unique_ptr<Check> check_;
};

TEST_F(PostgresStartupProbeTest, SendsTheUserAndDatabaseAndLeavesAtThePasswordPrompt) {
  std::map<std::string, std::string> sent;
  std::string after;
  CheckResult r;
  {
    FakeServer server([&](Peer& peer) {
      sent = parameters(peer.read_packet());
      peer.write(auth(3));   // cleartext password, please
      after = peer.read(1);  // nothing: the check has none and leaves
    });
    r = attempt(server.url("app", "?sslmode=disable&application_name=probe"));
  }
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "accepting connections (no password supplied)");
  EXPECT_EQ(sent, (std::map<std::string, std::string>{
                      {"user", "app"}, {"database", "appdb"}, {"application_name", "probe"}}));
  EXPECT_EQ(after, "");
}

TEST_F(PostgresStartupProbeTest, LetInItWaitsForReadyForQueryAndSaysGoodbye) {
  std::pair<char, std::string> goodbye;
  CheckResult r;
  {
    FakeServer server([&](Peer& peer) {
      peer.read_packet();
      peer.write(auth(0));
      std::this_thread::sleep_for(50ms);  // the backend starting
      peer.write(session_ready());
      goodbye = peer.read_message();
    });
    r = attempt(server.url("app", "?sslmode=disable"));
  }
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "accepting connections");
  EXPECT_EQ(goodbye.first, 'X');
}

TEST_F(PostgresStartupProbeTest, StartingUpIsRejectingConnections) {
  FakeServer server([](Peer& peer) {
    peer.read_packet();
    peer.write(error("57P03", "the database system is starting up"));
  });
  const auto r = attempt(server.url());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "rejecting connections: the database system is starting up");
}

TEST_F(PostgresStartupProbeTest, AnyOtherErrorIsAnAnswer) {
  FakeServer server([](Peer& peer) {
    peer.read_packet();
    peer.write(error("53300", "sorry, too many clients already"));
  });
  const auto r = attempt(server.url());
  EXPECT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.message, "accepting connections (sorry, too many clients already)");
}

TEST_F(PostgresStartupProbeTest, AnswersCleartextAndMd5PasswordRequests) {
  std::pair<char, std::string> cleartext, md5;
  {
    FakeServer server([&](Peer& peer) {
      peer.read_packet();
      peer.write(auth(3));
      cleartext = peer.read_message();
      peer.write(error("28P01", "password authentication failed for user \"app\""));
    });
    const auto r = attempt(server.url("app:secret", "?sslmode=disable"));
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.message, "accepting connections (password authentication failed for user \"app\")");
  }
  {
    FakeServer server([&](Peer& peer) {
      peer.read_packet();
      peer.write(auth(5, "\x01\x02\x03\x04"));
      md5 = peer.read_message();
      peer.write(auth(0) + session_ready());
      peer.read_message();
    });
    const auto r = attempt(server.url("app:secret", "?sslmode=disable"));
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.message, "accepting connections");
  }
  EXPECT_EQ(cleartext, std::make_pair('p', "secret\0"s));
  // md5(md5("secret" + "app").hex + salt).hex, computed with Python's hashlib.
  EXPECT_EQ(md5, std::make_pair('p', "md5911f527656472583a006e7727877b33e\0"s));
}

// sslmode=prefer (the default) with a password: TLS first, and on 'N' the same
// connection goes on in clear text.
TEST_F(PostgresStartupProbeTest, PreferGoesOnInClearTextWhenTheServerHasNoTls) {
  std::string first;
  std::map<std::string, std::string> sent;
  CheckResult r;
  {
    FakeServer server([&](Peer& peer) {
      first = peer.read_packet();
      peer.write("N");
      sent = parameters(peer.read_packet());
      peer.write(error("28000", "no pg_hba.conf entry"));
    });
    r = attempt(server.url("app:secret", ""));
  }
  EXPECT_TRUE(is_ssl_request(first));
  EXPECT_EQ(sent["user"], "app");
  EXPECT_EQ(r.message, "accepting connections (no pg_hba.conf entry)");
}

TEST_F(PostgresStartupProbeTest, RequireFailsWhenTheServerHasNoTls) {
  FakeServer server([](Peer& peer) {
    peer.read_packet();
    peer.write("N");
  });
  const auto r = attempt(server.url("app:secret", "?sslmode=require"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "server does not support SSL, but SSL was required");
}

TEST_F(PostgresStartupProbeTest, NoAnswerAnOldFormErrorOrAnotherProtocolFail) {
  {
    FakeServer server([](Peer& peer) { peer.read_packet(); });
    const auto r = attempt(server.url());
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.message, "server closed the connection unexpectedly");
  }
  {
    FakeServer server([](Peer& peer) {
      peer.read_packet();
      peer.write("Ecould not fork new process for connection: Cannot allocate memory\n");
    });
    const auto r = attempt(server.url("app", "?sslmode=disable"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.message, "could not fork new process for connection: Cannot allocate memory");
  }
  {
    FakeServer server([](Peer& peer) {
      peer.read_packet();
      peer.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    const auto r = attempt(server.url("app", "?sslmode=disable"));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.message, "not a PostgreSQL server: unexpected answer");
  }
}

// As libpq: the next endpoint after one that did not answer or said 57P03, and 57P03
// decides the failure over no answer.
TEST_F(PostgresStartupProbeTest, TriesEachEndpointInTurn) {
  const std::string refused = std::to_string(closed_port());
  {
    FakeServer server([](Peer& peer) {
      peer.read_packet();
      peer.write(auth(10, "SCRAM-SHA-256\0\0"s));
    });
    const auto r = attempt("host=127.0.0.1,127.0.0.1 port=" + refused + "," +
                           std::to_string(server.port()) + " user=app sslmode=disable");
    EXPECT_TRUE(r.ok) << r.message;
    EXPECT_EQ(r.message, "accepting connections (no password supplied)");
  }
  {
    FakeServer server([](Peer& peer) {
      peer.read_packet();
      peer.write(error("57P03", "the database system is in recovery mode"));
    });
    const auto r = attempt("host=127.0.0.1,127.0.0.1 port=" + std::to_string(server.port()) + "," +
                           refused + " user=app");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.message, "rejecting connections: the database system is in recovery mode");
  }
}

TEST_F(PostgresStartupProbeTest, ReachesUnixSocketsByDirectoryAndAbstractName) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("graced-pg-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const std::string& host : {dir.string(), "@graced-pg-test-" + std::to_string(::getpid())}) {
    std::pair<char, std::string> goodbye;
    CheckResult r;
    {
      FakeServer server(
          [&](Peer& peer) {
            peer.read_packet();
            peer.write(auth(0) + session_ready());
            goodbye = peer.read_message();
          },
          host + "/.s.PGSQL.6543");
      r = attempt("host=" + host + " port=6543 user=app password=secret");
    }
    EXPECT_TRUE(r.ok) << host << ": " << r.message;
    EXPECT_EQ(goodbye.first, 'X') << host;
  }
  std::filesystem::remove_all(dir);
  const auto r = attempt("host=/nonexistent port=6543 user=app");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "socket \"/nonexistent/.s.PGSQL.6543\": no such file or directory");
}

}  // namespace
}  // namespace graced::probes
