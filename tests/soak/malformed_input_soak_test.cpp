// Malformed HTTP/1.1 and HTTP/2 sent to the real binary: each gets the right error (an
// HTTP status, GOAWAY, RST_STREAM or a grpc-status) or a close; graced never crashes,
// keeps answering, and holds no descriptor once the connections are gone.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/proc.hpp"
#include "harness/temp_dir.hpp"
#include "harness/test_child.hpp"
#include "peers/grpc_h2_test_client.hpp"
#include "peers/http_get.hpp"
#include "soak_support.hpp"

namespace graced::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kCheck = "/grpc.health.v1.Health/Check";
const std::string kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

std::string h2_frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream,
                     const std::string& payload) {
  std::string f;
  const auto len = static_cast<std::uint32_t>(payload.size());
  f += static_cast<char>((len >> 16) & 0xff);
  f += static_cast<char>((len >> 8) & 0xff);
  f += static_cast<char>(len & 0xff);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  f += static_cast<char>((stream >> 24) & 0x7f);
  f += static_cast<char>((stream >> 16) & 0xff);
  f += static_cast<char>((stream >> 8) & 0xff);
  f += static_cast<char>(stream & 0xff);
  return f + payload;
}

std::vector<std::string> corpus_files(const std::string& target) {
  std::vector<std::string> out;
  const std::filesystem::path dir = kSourceDir + "/tests/fuzz/corpus/" + target;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out.push_back(ss.str());
  }
  return out;
}

class MalformedInputSoak : public ::testing::Test {
 protected:
  void SetUp() override {
    graced_.emplace(GracedOptions{.args = run_test_child({"record-signals", dir_.file("signals"),
                                                          "--ready", dir_.file("ready")}),
                                  .config = kNoDrainConfig});
    ASSERT_TRUE(wait_for_ready(dir_.file("ready"), 10s)) << graced_->stderr_text();
    port_ = graced_->http_port();
    ASSERT_TRUE(wait_until([&] { return http_get(port_, "/livez").status == 200; }, 10s));
    std::this_thread::sleep_for(200ms);
    fds_before_ = soak::fd_count(graced_->pid());
  }

  // graced is alive, answers, and holds no more descriptors than before.
  void expect_unharmed(const std::string& after) {
    EXPECT_TRUE(is_alive(graced_->pid())) << "after " << after;
    EXPECT_EQ(http_get(port_, "/livez").status, 200) << "after " << after;
  }

  // Sends `bytes` on a fresh connection and reads until graced closes it (at most `timeout`).
  std::string exchange(const std::string& bytes, bool* closed,
                       std::chrono::milliseconds timeout = 5s) {
    soak::RawConnection c(port_);
    c.send(bytes);
    return c.read_until_closed(timeout, closed);
  }

  TempDir dir_;
  std::optional<GracedProcess> graced_;
  std::uint16_t port_ = 0;
  int fds_before_ = 0;
};

TEST_F(MalformedInputSoak, Http1GetsTheRightStatusAndAClose) {
  struct Case {
    std::string name;
    std::string bytes;
    std::vector<int> statuses;  // every response expected, in order
  };
  const std::string host = "Host: 127.0.0.1\r\n";
  std::string many_headers = "GET /livez HTTP/1.1\r\n" + host;
  for (int i = 0; i < 300; ++i)
    many_headers += "X-H" + std::to_string(i) + ": 0123456789012345678901234567890123456789\r\n";
  many_headers += "\r\n";
  const std::vector<Case> cases{
      {"garbage request line", "GARBAGE\r\n\r\n", {400}},
      {"request line without target", "GET\r\n\r\n", {400}},
      {"request line with extra words", "GET /livez HTTP/1.1 extra\r\n" + host + "\r\n", {400}},
      {"invalid method characters", "G(T /livez HTTP/1.1\r\n" + host + "\r\n", {400}},
      {"unknown method", "BREW /livez HTTP/1.1\r\n" + host + "\r\n", {400}},
      {"method not allowed",
       "DELETE /livez HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n",
       {405}},
      {"bad version", "GET /livez HTTP/7.3\r\n" + host + "\r\n", {400}},
      {"NUL in the target", std::string("GET /liv\0ez HTTP/1.1\r\n", 22) + host + "\r\n", {400}},
      {"NUL in a header value",
       "GET /livez HTTP/1.1\r\n" + host + std::string("X-A: a\0b\r\n\r\n", 12),
       {400}},
      {"NUL bytes only", std::string(16, '\0'), {400}},
      {"header without colon", "GET /livez HTTP/1.1\r\n" + host + "NoColonHere\r\n\r\n", {400}},
      {"space before colon in Content-Length",
       "POST /livez HTTP/1.1\r\n" + host + "Content-Length : 5\r\n\r\nhello",
       {400}},
      // RFC 9112 5.2 lets a server accept obs-fold (as a space) instead of rejecting it.
      {"obsolete line folding",
       "GET /livez HTTP/1.1\r\n" + host + "X-A: a\r\n  b\r\nConnection: close\r\n\r\n",
       {200}},
      {"huge header",
       "GET /livez HTTP/1.1\r\n" + host + "X-Big: " + std::string(20000, 'a') + "\r\n\r\n",
       {431}},
      {"huge request line",
       "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n" + host + "\r\n",
       {431}},
      {"many headers", many_headers, {431}},
      {"bad chunk size",
       "POST /livez HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nZZZ\r\n\r\n",
       {400}},
      {"chunk size overflow",
       "POST /livez HTTP/1.1\r\n" + host +
           "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n",
       {400}},
      {"chunk followed by a bad chunk line",
       "POST /livez HTTP/1.1\r\n" + host +
           "Transfer-Encoding: chunked\r\n\r\n3\r\nabcXY\r\n0\r\n\r\n",
       {400}},
      {"Content-Length and Transfer-Encoding",
       "POST /livez HTTP/1.1\r\n" + host +
           "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       {400}},
      {"negative Content-Length",
       "POST /livez HTTP/1.1\r\n" + host + "Content-Length: -1\r\n\r\n",
       {400}},
      {"conflicting Content-Lengths",
       "POST /livez HTTP/1.1\r\n" + host + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab",
       {400}},
      {"body too large",
       "POST /livez HTTP/1.1\r\n" + host + "Content-Length: 100000\r\n\r\n",
       {413}},
      {"pipelined garbage",
       "GET /livez HTTP/1.1\r\n" + host + "\r\nGET /readyz HTTP/1.1\r\n" + host +
           "\r\n\x01\x02\x03 garbage \x7f\r\n\r\n",
       {200, 200, 400}},
      {"HTTP/2 preface with a bad continuation", "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", {400}},
  };
  std::string figures;
  for (const auto& k : cases) {
    bool closed = false;
    std::string reply = exchange(k.bytes, &closed);
    std::vector<int> statuses = soak::all_statuses(reply);
    EXPECT_EQ(statuses, k.statuses) << k.name << ": " << reply.substr(0, 300);
    EXPECT_TRUE(closed) << k.name << ": graced kept the connection open";
    std::string got;
    for (int s : statuses)
      got += (got.empty() ? "" : ",") + std::to_string(s);
    figures += " [" + k.name + ": " + (got.empty() ? "-" : got) + (closed ? " close" : "") + "]";
    expect_unharmed(k.name);
  }
  // The fuzz corpus, whatever it holds: an answer or a close, and graced unharmed.
  int corpus = 0, corpus_closed = 0;
  for (const auto& bytes : corpus_files("http_request_fuzz")) {
    bool closed = false;
    exchange(bytes, &closed, 2s);
    ++corpus;
    corpus_closed += closed ? 1 : 0;
    expect_unharmed("http_request_fuzz corpus file " + std::to_string(corpus));
  }
  const bool fds_back =
      wait_until([&] { return soak::fd_count(graced_->pid()) == fds_before_; }, 10s, 50ms);
  soak::report(std::to_string(cases.size()) + " malformed HTTP/1.1 inputs:" + figures + "; " +
               std::to_string(corpus) + " fuzz corpus inputs (" + std::to_string(corpus_closed) +
               " closed by graced); fds " + std::to_string(fds_before_) + " -> " +
               std::to_string(soak::fd_count(graced_->pid())));
  EXPECT_TRUE(fds_back);
}

TEST_F(MalformedInputSoak, WhitespaceBeforeAHeaderColonGets400) {
  // RFC 9112 5.1: "A server MUST reject, with a response status code of 400 (Bad
  // Request), any received request message that contains whitespace between a header
  // field name and colon." Debian's llhttp 8.1 lets it through; graced checks it itself.
  bool closed = false;
  std::string reply = exchange("GET /livez HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n", &closed, 2s);
  EXPECT_EQ(soak::first_status(reply), 400) << reply;
}

// Found by this suite and left disabled: Debian's llhttp 8.1 accepts chunk data not
// followed by CRLF, which RFC 9112 says a server must reject with 400 (a request-smuggling
// vector behind a proxy; llhttp 9 rejects it). The bytes are inside llhttp's chunk framing,
// out of graced's reach; graced's endpoints ignore request bodies. Run with
// --gtest_also_run_disabled_tests to see it fail.
TEST_F(MalformedInputSoak, DISABLED_ChunkDataNotFollowedByCrlfGets400) {
  // RFC 9112 7.1: chunk-data is followed by CRLF. llhttp 8.1 skips any two bytes there,
  // so "abcXY" followed by the last chunk is taken as a complete body: graced answers the
  // request (405 for POST /livez) instead of 400.
  bool closed = false;
  std::string reply = exchange(
      "POST /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabcXY0\r\n\r\n",
      &closed, 2s);
  EXPECT_EQ(soak::first_status(reply), 400) << reply;
}

TEST_F(MalformedInputSoak, Http2GetsGoawayResetOrAGrpcStatus) {
  // Connection errors: GOAWAY with the right code (or at least a close).
  struct FrameCase {
    std::string name;
    std::string bytes;
    std::uint32_t goaway_error;
  };
  const std::vector<FrameCase> frames{
      {"DATA on stream 0", h2_frame(0x0, 0x1, 0, "x"), NGHTTP2_PROTOCOL_ERROR},
      {"SETTINGS of length 5", h2_frame(0x4, 0x0, 0, std::string(5, '\0')),
       NGHTTP2_FRAME_SIZE_ERROR},
      {"SETTINGS on a stream", h2_frame(0x4, 0x0, 1, ""), NGHTTP2_PROTOCOL_ERROR},
      {"WINDOW_UPDATE of 0", h2_frame(0x8, 0x0, 0, std::string(4, '\0')), NGHTTP2_PROTOCOL_ERROR},
      {"PING of length 3", h2_frame(0x6, 0x0, 0, "abc"), NGHTTP2_FRAME_SIZE_ERROR},
      {"HEADERS with broken HPACK", h2_frame(0x1, 0x5, 1, "\xff\xff\xff\xff\xff"),
       NGHTTP2_COMPRESSION_ERROR},
      {"HEADERS on an even stream", h2_frame(0x1, 0x5, 2, "\x82"), NGHTTP2_PROTOCOL_ERROR},
      {"CONTINUATION without HEADERS", h2_frame(0x9, 0x4, 1, "\x82"), NGHTTP2_PROTOCOL_ERROR},
  };
  std::string figures;
  for (const auto& k : frames) {
    H2TestClient c(port_);
    c.send_raw(k.bytes);
    const bool ended = c.pump_until([&] { return c.goaway_received() || c.peer_closed(); }, 5s);
    EXPECT_TRUE(ended) << k.name << ": neither GOAWAY nor a close";
    EXPECT_TRUE(c.goaway_received()) << k.name;
    if (c.goaway_received()) {
      EXPECT_EQ(c.goaway_error(), k.goaway_error) << k.name;
    }
    figures += " [" + k.name + ": GOAWAY " + std::to_string(c.goaway_error()) + "]";
    expect_unharmed(k.name);
  }

  // A broken preface, or garbage right after a good one: a close.
  for (const std::string& bytes : {kPreface.substr(0, 18) + "SM\r\nXX\r\n",
                                   kPreface + std::string("\xff\xff\xff\xff garbage", 12)}) {
    bool closed = false;
    exchange(bytes, &closed);
    EXPECT_TRUE(closed) << "graced kept a connection with a broken preface open";
    expect_unharmed("a broken preface");
  }

  // Stream errors: the call ends with its grpc-status, the connection lives on.
  struct CallCase {
    std::string name;
    std::string path;
    std::string body;
    H2Fields extra;
    int grpc_status;
  };
  const std::vector<CallCase> calls{
      {"oversized message", kCheck, frame(std::string(5000, 'x')), {}, 8},
      {"huge message length", kCheck, std::string("\0\xff\xff\xff\xff", 5), {}, 8},
      {"bad grpc-timeout", kCheck, frame(""), {{"grpc-timeout", "soon"}}, 13},
      {"grpc-timeout without unit", kCheck, frame(""), {{"grpc-timeout", "100"}}, 13},
      {"unknown method", "/grpc.health.v1.Health/Nope", frame(""), {}, 12},
      {"gzip", kCheck, std::string("\x01\0\0\0\0", 5), {{"grpc-encoding", "gzip"}}, 12},
      {"malformed protobuf", kCheck, frame(std::string(11, '\xff')), {}, 3},
      {"truncated message",
       kCheck,
       std::string("\0\0\0\0\x0a"
                   "abc",
                   8),
       {},
       13},
      {"unknown service", kCheck, frame(std::string("\x0a\x04nope", 6)), {}, 5},
  };
  H2TestClient c(port_);
  for (const auto& k : calls) {
    H2Fields fields = grpc_request_fields(k.path);
    for (const auto& [n, v] : k.extra) {
      bool replaced = false;
      for (auto& f : fields)
        if (f.first == n) f.second = v, replaced = true;
      if (!replaced) fields.emplace_back(n, v);
    }
    auto id = c.request(fields, k.body);
    EXPECT_TRUE(c.pump_until([&] { return c.stream_closed(id); }, 5s)) << k.name;
    EXPECT_EQ(c.stream(id).grpc_status(), k.grpc_status) << k.name;
    figures += " [" + k.name + ": grpc-status " +
               std::to_string(c.stream(id).grpc_status().value_or(-1)) + "]";
  }
  // The connection survived all of it.
  auto ok = c.grpc_call(kCheck, std::string());
  EXPECT_TRUE(c.pump_until([&] { return c.stream_closed(ok); }, 5s));
  EXPECT_EQ(c.stream(ok).grpc_status(), 0);
  EXPECT_FALSE(c.goaway_received());

  // The fuzz corpus, after the preface: whatever it holds, graced is unharmed.
  int corpus = 0;
  for (const auto& bytes : corpus_files("grpc_h2_input_fuzz")) {
    bool closed = false;
    exchange(kPreface + bytes, &closed, 2s);
    ++corpus;
    expect_unharmed("grpc_h2_input_fuzz corpus file " + std::to_string(corpus));
  }
  const int fds_expected = fds_before_ + 1;  // `c` is still open
  const bool fds_back =
      wait_until([&] { return soak::fd_count(graced_->pid()) == fds_expected; }, 10s, 50ms);
  soak::report(std::to_string(frames.size() + calls.size() + 2) +
               " malformed HTTP/2 inputs:" + figures + "; " + std::to_string(corpus) +
               " fuzz corpus inputs; fds " + std::to_string(fds_before_) + " (+1 open) -> " +
               std::to_string(soak::fd_count(graced_->pid())));
  EXPECT_TRUE(fds_back);
}

}  // namespace
}  // namespace graced::test
