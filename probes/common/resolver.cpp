#include "probes/common/resolver.hpp"

#include <ares.h>
#include <netinet/in.h>

#include <cstring>
#include <utility>

#include "probes/common/address.hpp"

namespace graced::probes {
namespace {

std::string& dns_servers() {
  static std::string servers;
  return servers;
}

bool library_ready() {
  static const bool ready = ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS;
  return ready;
}

std::string quoted(const std::string& host) {
  return "\"" + host + "\"";
}

std::string failure(const std::string& host, int status) {
  if (status == ARES_ENOTFOUND || status == ARES_ENODATA || status == ARES_ENONAME)
    return "no such host " + quoted(host);
  std::string reason = ares_strerror(status);
  if (!reason.empty() && reason[0] >= 'A' && reason[0] <= 'Z')
    reason[0] = static_cast<char>(reason[0] - 'A' + 'a');
  return "cannot resolve " + quoted(host) + ": " + reason;
}

}  // namespace

void set_dns_servers(std::string servers) {
  dns_servers() = std::move(servers);
}

// One lookup: its c-ares channel, one poll handle per c-ares socket and a timer. It lives
// on the heap, apart from its Resolver, because uv handles outlive a cancel(): the lookup
// frees itself when the last of them is closed.
struct Resolver::Lookup {
  Resolver* owner = nullptr;  // null once abandoned
  Done done;
  std::string host;
  std::uint16_t port = 0;
  ares_channel channel = nullptr;
  uv_timer_t* timer = nullptr;
  std::vector<std::pair<ares_socket_t, uv_poll_t*>> polls;
  int open_handles = 0;
  bool torn_down = false;
  bool complete = false;
  Resolution result;

  void close_handle(uv_handle_t* handle) {
    uv_close(handle, [](uv_handle_t* h) {
      auto* self = static_cast<Lookup*>(h->data);
      if (h->type == UV_TIMER) {
        delete reinterpret_cast<uv_timer_t*>(h);
      } else {
        delete reinterpret_cast<uv_poll_t*>(h);
      }
      if (--self->open_handles == 0 && self->torn_down) delete self;
    });
  }

  // c-ares tells which of its sockets to watch, and (0, 0) just before it closes one.
  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
    auto* self = static_cast<Lookup*>(data);
    auto it = self->polls.begin();
    while (it != self->polls.end() && it->first != fd)
      ++it;
    if (!readable && !writable) {
      if (it != self->polls.end()) {
        self->close_handle(reinterpret_cast<uv_handle_t*>(it->second));
        self->polls.erase(it);
      }
      return;
    }
    uv_poll_t* poll = nullptr;
    if (it != self->polls.end()) {
      poll = it->second;
    } else {
      poll = new uv_poll_t{};
      if (uv_poll_init_socket(self->timer->loop, poll, fd) != 0) {
        delete poll;
        return;  // c-ares gives up on the socket at its timeout
      }
      poll->data = self;
      ++self->open_handles;
      self->polls.emplace_back(fd, poll);
    }
    const int events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);
    uv_poll_start(poll, events, [](uv_poll_t* p, int status, int ready) {
      auto* lookup = static_cast<Lookup*>(p->data);
      if (lookup->torn_down) return;
      ares_socket_t socket = ARES_SOCKET_BAD;
      for (const auto& [s, handle] : lookup->polls)
        if (handle == p) socket = s;
      if (socket == ARES_SOCKET_BAD) return;
      // On a poll error let c-ares read and write, so it sees the error itself.
      const bool error = status < 0;
      ares_process_fd(lookup->channel, (error || (ready & UV_READABLE)) ? socket : ARES_SOCKET_BAD,
                      (error || (ready & UV_WRITABLE)) ? socket : ARES_SOCKET_BAD);
      lookup->after_ares();
    });
  }

  static void on_addrinfo(void* arg, int status, int /*timeouts*/, ares_addrinfo* info) {
    auto* self = static_cast<Lookup*>(arg);
    if (status == ARES_EDESTRUCTION) return;  // abandoned: nobody is waiting
    self->complete = true;
    if (status == ARES_SUCCESS && info) {
      for (auto* node = info->nodes; node; node = node->ai_next) {
        sockaddr_storage address{};
        if (node->ai_family == AF_INET && node->ai_addrlen >= sizeof(sockaddr_in)) {
          std::memcpy(&address, node->ai_addr, sizeof(sockaddr_in));
          reinterpret_cast<sockaddr_in*>(&address)->sin_port = htons(self->port);
        } else if (node->ai_family == AF_INET6 && node->ai_addrlen >= sizeof(sockaddr_in6)) {
          std::memcpy(&address, node->ai_addr, sizeof(sockaddr_in6));
          reinterpret_cast<sockaddr_in6*>(&address)->sin6_port = htons(self->port);
        } else {
          continue;
        }
        self->result.addresses.push_back(address);
      }
      if (self->result.addresses.empty()) self->result.error = failure(self->host, ARES_ENODATA);
    } else {
      self->result.error = failure(self->host, status);
    }
    if (info) ares_freeaddrinfo(info);
  }

  // After every call into c-ares: deliver the answer, or wait for c-ares' next timeout.
  // Never called from inside a c-ares callback, so the channel can be destroyed here.
  void after_ares() {
    if (complete) {
      finish();
      return;
    }
    timeval tv{};
    if (ares_timeout(channel, nullptr, &tv)) {
      const auto ms = static_cast<std::uint64_t>(tv.tv_sec) * 1000 +
                      (static_cast<std::uint64_t>(tv.tv_usec) + 999) / 1000;
      uv_timer_start(
          timer,
          [](uv_timer_t* t) {
            auto* lookup = static_cast<Lookup*>(t->data);
            if (lookup->torn_down) return;
            ares_process_fd(lookup->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            lookup->after_ares();
          },
          ms, 0);
    } else {
      uv_timer_stop(timer);
    }
  }

  // Closes the channel (c-ares closes its sockets, telling on_sock_state first) and every
  // handle; the lookup is freed when the last close completes.
  void teardown() {
    if (torn_down) return;
    torn_down = true;
    owner = nullptr;
    if (channel) ares_destroy(std::exchange(channel, nullptr));
    for (auto& [fd, poll] : polls)
      close_handle(reinterpret_cast<uv_handle_t*>(poll));
    polls.clear();
    if (timer) close_handle(reinterpret_cast<uv_handle_t*>(std::exchange(timer, nullptr)));
  }

  void finish() {
    Resolver* resolver = owner;
    Done callback = std::move(done);
    Resolution answer = std::move(result);
    teardown();
    if (!resolver) return;
    resolver->lookup_ = nullptr;
    // Last: the callback may destroy the resolver or start another lookup.
    callback(std::move(answer));
  }
};

void Resolver::resolve(const std::string& host, std::uint16_t port, Done done) {
  cancel();
  if (auto address = ip_socket_address(host, port)) {
    done(Resolution{{*address}, {}});
    return;
  }
  if (!library_ready()) {
    done(Resolution{{}, "cannot resolve " + quoted(host) + ": c-ares failed to initialise"});
    return;
  }
  auto* lookup = new Lookup;
  lookup->owner = this;
  lookup->done = std::move(done);
  lookup->host = host;
  lookup->port = port;
  lookup->timer = new uv_timer_t{};
  uv_timer_init(loop_, lookup->timer);
  lookup->timer->data = lookup;
  lookup->open_handles = 1;

  ares_options options{};
  options.sock_state_cb = &Lookup::on_sock_state;
  options.sock_state_cb_data = lookup;
  int rc = ares_init_options(&lookup->channel, &options, ARES_OPT_SOCK_STATE_CB);
  if (rc == ARES_SUCCESS && !dns_servers().empty())
    rc = ares_set_servers_ports_csv(lookup->channel, dns_servers().c_str());
  if (rc != ARES_SUCCESS) {
    Done callback = std::move(lookup->done);
    lookup->teardown();
    callback(Resolution{{}, failure(host, rc)});
    return;
  }
  lookup_ = lookup;
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  ares_getaddrinfo(lookup->channel, host.c_str(), nullptr, &hints, &Lookup::on_addrinfo, lookup);
  lookup->after_ares();
}

void Resolver::cancel() {
  if (!lookup_) return;
  std::exchange(lookup_, nullptr)->teardown();
}

}  // namespace graced::probes
