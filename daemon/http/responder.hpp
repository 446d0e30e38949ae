// The handle a handler answers a request through, now or later.
#pragma once

#include <memory>

#include "http/message.hpp"

namespace graced::http {

class Connection;
namespace detail {
struct Exchange;
}

// Copyable and cheap. Whoever holds one may answer once: the first send() goes out, later
// ones are no-ops, and so is a send() after the connection has closed (client gone,
// timeout, Server::stop) or after the Server is gone. Use it on the loop's thread only.
class Responder {
 public:
  Responder() = default;

  void send(Response response) const;
  // True while the request is unanswered and its connection still open.
  bool pending() const;

 private:
  friend class Connection;
  explicit Responder(std::weak_ptr<detail::Exchange> exchange) : exchange_(std::move(exchange)) {}

  std::weak_ptr<detail::Exchange> exchange_;
};

}  // namespace graced::http
