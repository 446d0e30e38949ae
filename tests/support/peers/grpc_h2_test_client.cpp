#include "peers/grpc_h2_test_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace graced::test {
namespace {

std::uint8_t* bytes(const std::string& s) {
  return reinterpret_cast<std::uint8_t*>(const_cast<char*>(s.data()));
}

H2TestClient* self(void* u) {
  return static_cast<H2TestClient*>(u);
}

}  // namespace

std::optional<int> H2Stream::grpc_status() const {
  for (const auto* m : {&trailers, &headers}) {
    auto it = m->find("grpc-status");
    if (it != m->end()) return std::stoi(it->second);
  }
  return std::nullopt;
}

std::string H2Stream::grpc_message() const {
  for (const auto* m : {&trailers, &headers}) {
    auto it = m->find("grpc-message");
    if (it != m->end()) return it->second;
  }
  return {};
}

std::vector<std::string> H2Stream::messages() const {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i + 5 <= body.size()) {
    std::size_t n = 0;
    for (std::size_t k = 1; k < 5; ++k)
      n = (n << 8) | static_cast<unsigned char>(body[i + k]);
    if (i + 5 + n > body.size()) break;
    out.push_back(body.substr(i + 5, n));
    i += 5 + n;
  }
  return out;
}

std::string frame(const std::string& message) {
  std::string out(5, '\0');
  const auto n = static_cast<std::uint32_t>(message.size());
  for (int k = 0; k < 4; ++k)
    out[static_cast<std::size_t>(4 - k)] = static_cast<char>((n >> (8 * k)) & 0xff);
  return out + message;
}

H2Fields grpc_request_fields(const std::string& path) {
  return {{":method", "POST"},
          {":scheme", "http"},
          {":path", path},
          {":authority", "127.0.0.1"},
          {"content-type", "application/grpc"},
          {"te", "trailers"}};
}

H2TestClient::H2TestClient(std::uint16_t port, std::uint32_t initial_window_size,
                           int receive_buffer) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ >= 0 && receive_buffer > 0)
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd_ >= 0) close(fd_);
    throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
  }
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_header_callback(
      cbs, [](nghttp2_session*, const nghttp2_frame* f, const std::uint8_t* name, std::size_t nl,
              const std::uint8_t* value, std::size_t vl, std::uint8_t, void* u) {
        auto& s = self(u)->streams_[f->hd.stream_id];
        auto& target =
            s.headers.empty() || f->headers.cat == NGHTTP2_HCAT_RESPONSE ? s.headers : s.trailers;
        target[std::string(reinterpret_cast<const char*>(name), nl)] =
            std::string(reinterpret_cast<const char*>(value), vl);
        return 0;
      });
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(
      cbs, [](nghttp2_session*, std::uint8_t, std::int32_t id, const std::uint8_t* data,
              std::size_t len, void* u) {
        self(u)->streams_[id].body.append(reinterpret_cast<const char*>(data), len);
        return 0;
      });
  nghttp2_session_callbacks_set_on_stream_close_callback(
      cbs, [](nghttp2_session*, std::int32_t id, std::uint32_t code, void* u) {
        auto& s = self(u)->streams_[id];
        s.closed = true;
        s.reset_code = code;
        return 0;
      });
  nghttp2_session_callbacks_set_on_frame_recv_callback(
      cbs, [](nghttp2_session*, const nghttp2_frame* f, void* u) {
        if (f->hd.type == NGHTTP2_GOAWAY) {
          self(u)->goaway_ = true;
          self(u)->goaway_error_ = f->goaway.error_code;
        }
        return 0;
      });
  nghttp2_session_client_new(&session_, cbs, this);
  nghttp2_session_callbacks_del(cbs);
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, initial_window_size}};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, 1);
  if (initial_window_size > 65535)
    nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                          static_cast<std::int32_t>(initial_window_size));
  flush();
}

H2TestClient::~H2TestClient() {
  nghttp2_session_del(session_);
  if (fd_ >= 0) close(fd_);
}

std::int32_t H2TestClient::request(const H2Fields& fields, std::optional<std::string> body,
                                   bool end_stream) {
  std::vector<nghttp2_nv> nv;
  for (const auto& [n, v] : fields) {
    nv.push_back({bytes(n), bytes(v), n.size(), v.size(), NGHTTP2_NV_FLAG_NONE});
  }
  std::int32_t id = 0;
  if (!body) {
    id = nghttp2_submit_headers(session_, end_stream ? NGHTTP2_FLAG_END_STREAM : NGHTTP2_FLAG_NONE,
                                -1, nullptr, nv.data(), nv.size(), nullptr);
  } else {
    nghttp2_data_provider prd{};
    prd.read_callback = [](nghttp2_session*, std::int32_t sid, std::uint8_t* buf, std::size_t len,
                           std::uint32_t* flags, nghttp2_data_source*, void* u) -> ssize_t {
      auto* me = self(u);
      auto& pending = me->bodies_[sid];
      const std::size_t n = std::min(len, pending.size());
      std::memcpy(buf, pending.data(), n);
      pending.erase(0, n);
      if (pending.empty()) {
        *flags |= NGHTTP2_DATA_FLAG_EOF;
        if (me->keep_open_.count(sid)) *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      }
      return static_cast<ssize_t>(n);
    };
    id = nghttp2_submit_request(session_, nullptr, nv.data(), nv.size(), &prd, nullptr);
    if (id >= 0) {
      bodies_[id] = std::move(*body);
      if (!end_stream) keep_open_.insert(id);
    }
  }
  if (id < 0) throw std::runtime_error(std::string("submit: ") + nghttp2_strerror(id));
  flush();
  return id;
}

std::int32_t H2TestClient::grpc_call(const std::string& path, const std::string& message,
                                     const H2Fields& extra, bool end_stream) {
  H2Fields fields = grpc_request_fields(path);
  fields.insert(fields.end(), extra.begin(), extra.end());
  return request(fields, frame(message), end_stream);
}

std::int32_t H2TestClient::grpc_raw(const std::string& path, const std::string& body,
                                    const H2Fields& extra) {
  H2Fields fields = grpc_request_fields(path);
  fields.insert(fields.end(), extra.begin(), extra.end());
  return request(fields, body, true);
}

void H2TestClient::reset(std::int32_t stream_id) {
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
  flush();
}

void H2TestClient::send_raw(const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may have closed already: that is for the test to see
    off += static_cast<std::size_t>(n);
  }
}

void H2TestClient::flush() {
  for (;;) {
    const std::uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n <= 0) return;
    send_raw(std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n)));
  }
}

void H2TestClient::handle(const char* data, std::size_t len) {
  nghttp2_session_mem_recv(session_, reinterpret_cast<const std::uint8_t*>(data), len);
  flush();
}

bool H2TestClient::readable_now() const {
  pollfd p{fd_, POLLIN, 0};
  return poll(&p, 1, 0) > 0;
}

void H2TestClient::pump_now() {
  while (!eof_ && readable_now()) {
    char buf[16384];
    const ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) {
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      eof_ = true;
      return;
    }
    handle(buf, static_cast<std::size_t>(n));
  }
}

bool H2TestClient::pump_until(const std::function<bool()>& done,
                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (eof_) return done();
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return done();
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    pump_now();
  }
  return true;
}

std::uint32_t H2TestClient::remote_setting(nghttp2_settings_id id) const {
  return nghttp2_session_get_remote_settings(session_, id);
}

}  // namespace graced::test
