#include "http/server.hpp"

#include "http/connection.hpp"
#include "log/log.hpp"

namespace graced::http {

Server::Server(uv_loop_t* loop, ServerOptions options, Handler handler)
    : loop_(loop),
      options_(std::move(options)),
      handler_(std::move(handler)),
      read_buffer_(std::make_unique<char[]>(kReadBufferSize)) {}

Server::~Server() {
  stop();
}

std::optional<std::string> Server::start() {
  if (listener_) return "cannot listen on " + options_.listen + ": already listening";
  ListenAddress address;
  if (auto error = parse_listen_address(options_.listen, &address)) return error;

  sockaddr_storage ss{};
  int rc =
      address.ipv6
          ? uv_ip6_addr(address.host.c_str(), address.port, reinterpret_cast<sockaddr_in6*>(&ss))
          : uv_ip4_addr(address.host.c_str(), address.port, reinterpret_cast<sockaddr_in*>(&ss));
  if (rc == 0) {
    rc = listener_.open(loop_, reinterpret_cast<const sockaddr*>(&ss),
                        [this](int status) { on_connection(status); });
  }
  if (rc != 0) return "cannot listen on " + options_.listen + ": " + uv_strerror(rc);
  return std::nullopt;
}

void Server::stop() {
  listener_.close();
  auto connections = std::move(connections_);
  connections_.clear();
  for (auto* c : connections)
    c->detach_and_abort();
  stats_.connections_open = 0;
}

void Server::on_connection(int status) {
  if (status < 0) {
    log::warn("http accept failed", {{"listen", options_.listen}, {"error", uv_strerror(status)}});
    return;
  }
  if (connections_.size() >= options_.max_connections && !shed_idle_connection()) {
    reject_connection();
    return;
  }
  auto* c = Connection::accept(*this, reinterpret_cast<uv_stream_t*>(listener_.get()));
  if (c == nullptr) return;
  c->position = connections_.insert(connections_.end(), c);
  ++stats_.connections_accepted;
  ++stats_.connections_open;
}

void Server::reject_connection() {
  // libuv stops watching the listener until the pending connection is taken, so it is
  // accepted and closed rather than left in the kernel's queue.
  auto* tcp = new uv_tcp_t{};
  uv_tcp_init(loop_, tcp);
  uv_accept(reinterpret_cast<uv_stream_t*>(listener_.get()), reinterpret_cast<uv_stream_t*>(tcp));
  uv_close(reinterpret_cast<uv_handle_t*>(tcp),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  ++stats_.connections_rejected;
}

bool Server::shed_idle_connection() {
  Connection* oldest = nullptr;
  for (auto* c : connections_) {
    if (c->idle() && (oldest == nullptr || c->idle_since() < oldest->idle_since())) oldest = c;
  }
  if (oldest == nullptr) return false;
  oldest->abort();
  ++stats_.connections_shed;
  return true;
}

void Server::forget(Connection* connection) {
  connections_.erase(connection->position);
  --stats_.connections_open;
}

void Server::count_response(int status) {
  const auto status_class = static_cast<std::size_t>(status / 100);
  if (status_class < stats_.responses_by_class.size()) ++stats_.responses_by_class[status_class];
}

}  // namespace graced::http
