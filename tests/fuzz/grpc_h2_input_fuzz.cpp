// Fuzz target: the HTTP/2 input path of graced's gRPC server. The bytes arrive on a
// connection handed over as the HTTP/1.1 listener would (the preface, then the input),
// partly as the bytes already read and partly through the socket, and the loop runs until
// the server has answered what it could. Whatever the bytes, the server neither crashes
// nor leaks, and closes what it opened.
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <nghttp2/nghttp2.h>

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_seeds.hpp"
#include "grpc/grpc_server.hpp"
#include "grpc/health_codec.hpp"
#include "grpc/message_framing.hpp"
#include "health/health.hpp"
#include "http/h2_preface.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace graced;
  static const bool once = (std::signal(SIGPIPE, SIG_IGN), true);
  (void)once;
  if (size == 0) return 0;
  // The first byte chooses where the input is cut between "already read" and "read later",
  // and whether the preface is supplied (most inputs should reach the frame parser).
  const std::size_t cut = size > 1 ? data[0] % size : 0;
  const bool add_preface = (data[0] & 0x80) == 0;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string first =
      (add_preface ? std::string(http::kH2Preface) : std::string()) + input.substr(0, cut);
  const std::string later = input.substr(std::min(cut, input.size()));

  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    health::Health health;
    health::CheckState db;
    db.name = "db";
    db.probes = {health::Probe::readiness};
    db.status = health::CheckStatus::passing;
    health.add_check(db);
    health.set_child_running(true);

    grpc::ServerOptions options;
    options.services = {{"user.v1.UserService", "readiness"}};
    options.idle_timeout = std::chrono::milliseconds(50);
    options.close_grace = std::chrono::milliseconds(10);
    grpc::Server server(&loop, health, options, [](const http::Request& r) {
      return http::Response{200, {{"Content-Type", "text/plain"}}, r.path};
    });

    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return 0;
    server.adopt_socket(fds[0], first);
    if (!later.empty()) {
      [[maybe_unused]] auto n = write(fds[1], later.data(), later.size());
    }
    for (int i = 0; i < 4; ++i)
      uv_run(&loop, UV_RUN_NOWAIT);
    health.set_shutting_down("draining");  // Watch streams, if any, get a push
    uv_run(&loop, UV_RUN_NOWAIT);
    server.shutdown();
    uv_run(&loop, UV_RUN_NOWAIT);
    close(fds[1]);
    for (int i = 0; i < 4; ++i)
      uv_run(&loop, UV_RUN_NOWAIT);
  }
  // Every handle the server opened is closed once its owner is gone.
  while (uv_loop_alive(&loop))
    uv_run(&loop, UV_RUN_NOWAIT);
  if (uv_loop_close(&loop) != 0) __builtin_trap();
  return 0;
}

namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Call {
  Fields fields;
  std::string body;  // sent as one DATA frame ending the stream; none when empty
};

// What a real client sends for these calls, framed by nghttp2's client side (connection
// preface, SETTINGS, HEADERS, DATA), behind a first byte that asks the target to add no
// preface of its own.
std::string client_bytes(const std::vector<Call>& calls) {
  nghttp2_session_callbacks* callbacks = nullptr;
  nghttp2_session_callbacks_new(&callbacks);
  nghttp2_session* session = nullptr;
  nghttp2_session_client_new(&session, callbacks, nullptr);
  nghttp2_session_callbacks_del(callbacks);
  nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, nullptr, 0);
  std::vector<std::string> bodies;
  bodies.reserve(calls.size());
  for (const auto& call : calls) {
    std::vector<nghttp2_nv> nv;
    for (const auto& [name, value] : call.fields) {
      nv.push_back({reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE});
    }
    bodies.push_back(call.body);
    nghttp2_data_provider provider{};
    provider.source.ptr = &bodies.back();
    provider.read_callback = [](nghttp2_session*, std::int32_t, std::uint8_t* buf,
                                std::size_t length, std::uint32_t* flags, nghttp2_data_source* src,
                                void*) -> ssize_t {
      auto* body = static_cast<std::string*>(src->ptr);
      const std::size_t n = std::min(length, body->size());
      std::copy(body->begin(), body->begin() + static_cast<std::ptrdiff_t>(n), buf);
      body->erase(0, n);
      if (body->empty()) *flags |= NGHTTP2_DATA_FLAG_EOF;
      return static_cast<ssize_t>(n);
    };
    nghttp2_submit_request(session, nullptr, nv.data(), nv.size(),
                           call.body.empty() ? nullptr : &provider, nullptr);
  }
  std::string out(1, '\x80');
  for (;;) {
    const std::uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session, &data);
    if (n <= 0) break;
    out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  nghttp2_session_del(session);
  return out;
}

Call grpc_call(const std::string& method, const std::string& service) {
  using namespace graced::grpc;
  return {{{":method", "POST"},
           {":scheme", "http"},
           {":authority", "pod:8558"},
           {":path", "/grpc.health.v1.Health/" + method},
           {"content-type", "application/grpc"},
           {"te", "trailers"},
           {"grpc-timeout", "1S"}},
          frame_message(encode_health_check_request({service}))};
}

}  // namespace

std::vector<std::string> graced::fuzz::seeds() {
  const Call get_readyz{{{":method", "GET"},
                         {":scheme", "http"},
                         {":authority", "pod:8558"},
                         {":path", "/readyz?verbose"}},
                        ""};
  return {
      client_bytes({grpc_call("Check", "")}),
      client_bytes({grpc_call("Check", "user.v1.UserService"), grpc_call("Check", "nope")}),
      client_bytes({grpc_call("Watch", "readiness")}),
      client_bytes({grpc_call("List", "")}),
      client_bytes({grpc_call("Other", "")}),
      client_bytes({get_readyz}),
      client_bytes({get_readyz, grpc_call("Watch", ""), grpc_call("Check", "db")}),
  };
}
