// A blocking HTTP/2 client for tests that need to say things the real gRPC clients never
// say (malformed messages, oversized headers, a request that never ends) or to watch the
// wire closely (the exact moment a Watch message arrives, GOAWAY, resets). nghttp2's
// client session does the framing; the socket is read only when the test pumps.
#pragma once

#include <nghttp2/nghttp2.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace graced::test {

using H2Fields = std::vector<std::pair<std::string, std::string>>;

struct H2Stream {
  std::map<std::string, std::string> headers;   // the response's first HEADERS
  std::map<std::string, std::string> trailers;  // a second HEADERS, if any
  std::string body;                             // DATA, as received
  bool closed = false;
  std::uint32_t reset_code = 0;  // the error code it closed with (0: NO_ERROR)

  // grpc-status from the trailers, or from the headers of a Trailers-Only response.
  std::optional<int> grpc_status() const;
  std::string grpc_message() const;  // as sent (percent-encoded)
  // The length-prefixed messages received so far.
  std::vector<std::string> messages() const;
};

class H2TestClient {
 public:
  // Connects to 127.0.0.1:port and sends the preface and SETTINGS (with this initial
  // stream window: a small one makes the server wait for the client; one larger than
  // HTTP/2's default also widens the connection's window). `receive_buffer` > 0 sets the
  // socket's SO_RCVBUF first, so that the server's writes fill the socket while the test
  // does not pump. Throws on failure.
  explicit H2TestClient(std::uint16_t port, std::uint32_t initial_window_size = 65535,
                        int receive_buffer = 0);
  ~H2TestClient();
  H2TestClient(const H2TestClient&) = delete;
  H2TestClient& operator=(const H2TestClient&) = delete;

  // A request with these fields (pseudo-headers included); `body` nullopt sends none.
  std::int32_t request(const H2Fields& fields, std::optional<std::string> body,
                       bool end_stream = true);
  // POST `path` with content-type application/grpc and te: trailers, `message` framed.
  std::int32_t grpc_call(const std::string& path, const std::string& message,
                         const H2Fields& extra = {}, bool end_stream = true);
  // A gRPC request with a body given as is (not framed).
  std::int32_t grpc_raw(const std::string& path, const std::string& body,
                        const H2Fields& extra = {});
  void reset(std::int32_t stream_id);
  // Bytes straight onto the socket, past nghttp2.
  void send_raw(const std::string& bytes);

  // Reads and handles frames until `done()` holds (true) or `timeout` passes (false).
  bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);
  // Handles whatever has already arrived, without waiting.
  void pump_now();
  bool stream_closed(std::int32_t id) { return stream(id).closed; }
  H2Stream& stream(std::int32_t id) { return streams_[id]; }

  // Whether bytes are waiting on the socket right now (poll with a zero timeout).
  bool readable_now() const;
  bool peer_closed() const { return eof_; }
  bool goaway_received() const { return goaway_; }
  std::uint32_t goaway_error() const { return goaway_error_; }
  std::uint32_t remote_setting(nghttp2_settings_id id) const;

 private:
  void flush();
  void handle(const char* data, std::size_t len);

  int fd_ = -1;
  nghttp2_session* session_ = nullptr;
  std::map<std::int32_t, H2Stream> streams_;
  std::map<std::int32_t, std::string> bodies_;  // request bodies being sent
  std::set<std::int32_t> keep_open_;            // streams whose body does not end them
  bool eof_ = false;
  bool goaway_ = false;
  std::uint32_t goaway_error_ = 0;
};

// The request fields of a gRPC call to 127.0.0.1.
H2Fields grpc_request_fields(const std::string& path);
// A gRPC length-prefixed message (uncompressed).
std::string frame(const std::string& message);

}  // namespace graced::test
