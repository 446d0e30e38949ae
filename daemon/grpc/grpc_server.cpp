#include "grpc/grpc_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>

#include "grpc/h2_connection.hpp"
#include "http/listen_address.hpp"

namespace graced::grpc {

ServerOptions server_options(const GrpcConfig& config) {
  ServerOptions o;
  o.listen = config.listen;
  o.services = config.services;
  o.max_concurrent_streams = config.max_concurrent_streams;
  o.max_connections = config.max_connections;
  o.idle_timeout = config.idle_timeout;
  return o;
}

std::string_view method_name(Method m) {
  switch (m) {
    case Method::check:
      return "Check";
    case Method::watch:
      return "Watch";
    case Method::list:
      return "List";
    case Method::other:
      return "other";
  }
  return "other";
}

Server::Server(uv_loop_t* loop, health::Health& health, ServerOptions options,
               HttpHandler http_handler)
    : loop_(loop),
      health_(health),
      options_(std::move(options)),
      http_handler_(std::move(http_handler)),
      service_(health, options_.services),
      read_buffer_(new char[kReadBufferSize]) {
  // Watch streams learn about changes as they happen: Health calls this synchronously on
  // every visible change, so a stream is told within the same loop iteration.
  subscription_ = health_.subscribe([this] { health_changed(); });
}

Server::~Server() {
  if (subscription_ != 0) health_.unsubscribe(subscription_);
  auto open = connections_;
  for (Connection* c : open) {
    c->detach();
    c->close();
  }
  connections_.clear();
}

std::optional<std::string> Server::start() {
  if (options_.listen.empty()) return std::nullopt;
  http::ListenAddress address;
  if (auto err = http::parse_listen_address(options_.listen, &address)) {
    return "cannot listen on " + options_.listen + ": " + *err;
  }
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

void Server::on_connection(int status) {
  if (status != 0) return;
  auto* tcp = new uv_tcp_t{};
  uv_tcp_init(loop_, tcp);
  if (uv_accept(reinterpret_cast<uv_stream_t*>(listener_.get()),
                reinterpret_cast<uv_stream_t*>(tcp)) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(tcp),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    return;
  }
  add(tcp, {});
}

void Server::adopt(uv_tcp_t* tcp, std::string_view already_read) {
  add(tcp, already_read);
}

void Server::adopt_socket(uv_os_sock_t socket, std::string_view already_read) {
  auto* tcp = new uv_tcp_t{};
  uv_tcp_init(loop_, tcp);
  if (uv_tcp_open(tcp, socket) != 0) {
    ::close(socket);
    uv_close(reinterpret_cast<uv_handle_t*>(tcp),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    return;
  }
  add(tcp, already_read);
}

void Server::add(uv_tcp_t* tcp, std::string_view already_read) {
  if (shutting_down_ || !make_room()) {
    ++stats_.connections_rejected;
    tcp->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(tcp),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
    return;
  }
  uv_tcp_nodelay(tcp, 1);  // small frames, answered at once: no Nagle delay
  auto* c = new Connection(*this, tcp);
  connections_.push_back(c);
  c->position = std::prev(connections_.end());
  ++stats_.connections_accepted;
  ++stats_.connections_open;
  c->start(already_read);
}

bool Server::make_room() {
  if (connections_.size() < options_.max_connections) return true;
  // The oldest connection with no call in progress makes way; one in use never does.
  for (Connection* c : connections_) {
    if (c->idle()) {
      ++stats_.connections_shed;
      c->go_away_now();
      return connections_.size() < options_.max_connections;
    }
  }
  return false;
}

void Server::forget(Connection* c) {
  connections_.erase(c->position);
  --stats_.connections_open;
}

void Server::health_changed() {
  auto open = connections_;  // a push may fail and close a connection
  for (Connection* c : open)
    c->health_changed();
}

void Server::shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  listener_.close();
  auto open = connections_;
  for (Connection* c : open)
    c->shutdown();
}

}  // namespace graced::grpc
