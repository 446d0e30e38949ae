#include "notify/notify_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "log/log.hpp"
#include "notify/service_tree.hpp"

namespace graced::notify {
namespace {

// Datagrams read per wake-up, so a flood cannot starve the rest of the loop.
constexpr int kMaxPerWakeup = 64;
// The most descriptors one SCM_RIGHTS message can carry (the kernel's SCM_MAX_FD).
constexpr std::size_t kMaxPassedFds = 253;

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

bool is_notify_key(std::string_view entry) {
  for (std::string_view key : {"NOTIFY_SOCKET=", "WATCHDOG_USEC=", "WATCHDOG_PID="})
    if (entry.substr(0, key.size()) == key) return true;
  return false;
}

}  // namespace

NotifySocket::NotifySocket(uv_loop_t* loop, health::Health& health, config::Duration watchdog)
    : loop_(loop), health_(health), watchdog_(loop, health, watchdog) {}

NotifySocket::~NotifySocket() {
  close();
}

void NotifySocket::close() {
  poll_.close();  // stops polling before the descriptor goes away
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!socket_path_.empty()) {
    ::unlink(socket_path_.c_str());
    socket_path_.clear();
  }
  dir_.remove();
}

std::optional<std::string> NotifySocket::open(
    const std::optional<process::Credentials>& child_credentials) {
  if (fd_ >= 0) return std::string("the notify socket is already open");
  if (auto err = dir_.create()) return err;
  const std::string path = dir_.path() + "/notify";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    dir_.remove();
    return "notify socket path too long: " + path;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);

  std::optional<std::string> error;
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const int one = 1;
  if (fd_ < 0) {
    error = errno_text("socket");
  } else if (::setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) != 0) {
    // Before bind: no datagram may arrive without its sender's credentials.
    error = errno_text("setsockopt SO_PASSCRED");
  } else if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    error = errno_text(("bind " + path).c_str());
  } else {
    socket_path_ = path;
    if (child_credentials && child_credentials->uid != ::geteuid()) {
      const auto& c = *child_credentials;
      if (::chown(dir_.path().c_str(), c.uid, c.gid) != 0 ||
          ::chown(socket_path_.c_str(), c.uid, c.gid) != 0) {
        error = errno_text(("chown " + dir_.path()).c_str());
      }
    }
  }
  if (!error) {
    try {
      poll_ = loop::Poll(loop_, fd_);
      poll_.start(UV_READABLE, [this](int status, int) {
        if (status == 0) receive();
      });
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  if (error) {
    close();
    return "cannot open the notify socket: " + *error;
  }
  health_.require_ready_notification(true);
  log::info("notify socket open", {{"path", socket_path_}});
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> NotifySocket::child_env() const {
  std::vector<std::pair<std::string, std::string>> env{{"NOTIFY_SOCKET", socket_path_}};
  if (watchdog_.enabled()) {
    env.emplace_back("WATCHDOG_USEC", std::to_string(watchdog_.timeout().count() * 1000));
  }
  return env;
}

void NotifySocket::apply_child_env(std::vector<std::string>& env) const {
  env.erase(
      std::remove_if(env.begin(), env.end(), [](const std::string& e) { return is_notify_key(e); }),
      env.end());
  for (const auto& [key, value] : child_env())
    env.push_back(key + "=" + value);
}

std::string NotifySocket::watchdog_pid_variable() const {
  return watchdog_.enabled() ? "WATCHDOG_PID" : "";
}

void NotifySocket::set_child(pid_t pid) {
  child_ = pid;
  watchdog_.start();
}

void NotifySocket::child_exited() {
  watchdog_.stop();
}

void NotifySocket::receive() {
  const std::weak_ptr<int> alive = alive_;
  for (int i = 0; i < kMaxPerWakeup; ++i) {
    // One byte more than the largest acceptable datagram: with MSG_TRUNC the length read
    // is the datagram's real length, so an oversized one is seen as such.
    char data[kMaxNotifyDatagram + 1];
    alignas(
        cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * kMaxPassedFds)];
    iovec iov{data, sizeof data};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(fd_, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        log::warn("reading the notify socket failed", {{"error", std::strerror(errno)}});
      }
      return;
    }
    bool has_sender = false;
    ucred cred{};
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len == CMSG_LEN(sizeof cred)) {
        std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
        has_sender = true;
      } else if (c->cmsg_type == SCM_RIGHTS) {
        // sd_notify may pass descriptors (FDSTORE=1); graced keeps none of them.
        const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (std::size_t k = 0; k < count; ++k) {
          int passed;
          std::memcpy(&passed, CMSG_DATA(c) + k * sizeof(int), sizeof passed);
          ::close(passed);
        }
      }
    }
    const std::size_t length = std::min(static_cast<std::size_t>(n), sizeof data);
    handle(has_sender, cred.pid, std::string_view(data, length));
    if (alive.expired()) return;
  }
}

void NotifySocket::handle(bool has_sender, pid_t sender, std::string_view datagram) {
  if (!has_sender || !belongs_to_service(sender, child_, main_pid_)) {
    ++stats_.rejected;
    // The first one is worth a warning (a helper process sending from outside the
    // service?); after that they are only noise.
    log::write(stats_.rejected == 1 ? log::Level::warn : log::Level::debug,
               "notify datagram from outside the service ignored", {{"pid", sender}});
    return;
  }
  const NotifyMessage m = parse_notify_datagram(datagram);
  if (m.malformed) {
    ++stats_.malformed;
    log::write(stats_.malformed == 1 ? log::Level::warn : log::Level::debug,
               "malformed notify datagram dropped",
               {{"pid", sender}, {"bytes", static_cast<unsigned long>(datagram.size())}});
    return;
  }
  ++stats_.accepted;
  apply(m);
}

void NotifySocket::apply(const NotifyMessage& m) {
  if (m.mainpid && *m.mainpid != main_pid_) {
    main_pid_ = *m.mainpid;
    log::info("service announced its main pid", {{"pid", main_pid_}});
  }
  if (m.status) health_.set_service_status(*m.status);
  if (m.ready && !ready_) {
    ready_ = true;
    log::info("service is ready (READY=1)", {});
    health_.set_ready_notified();
  }
  if (m.watchdog_ping) watchdog_.ping();
  if (m.watchdog_trigger) watchdog_.trigger();
  if (m.stopping && !stopping_) {
    stopping_ = true;
    log::info("service is stopping (STOPPING=1): readiness fails", {});
    // graced's own shutdown may already have given a reason; keep it.
    if (health_.shutting_down().empty()) health_.set_shutting_down("service sent STOPPING=1");
    if (on_stopping_) {
      auto callback = on_stopping_;
      callback();
    }
  }
}

}  // namespace graced::notify
