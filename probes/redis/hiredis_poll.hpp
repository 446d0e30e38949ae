// Drives a hiredis async context from the loop: one uv_poll on the context's socket,
// started and stopped as hiredis asks through its event hooks.
//
// Used instead of hiredis 0.14's adapters/libuv.h, which (a) ignores a poll error: libuv
// reports a refused non-blocking connect as POLLERR with status UV_EBADF and stops the
// handle, so the attempt would hang until the timeout; and (b) gives no control back
// after hiredis has handled an event, while the context must never be freed from
// inside one of hiredis's own callbacks (0.14 does not guard its connect callback).
// Here `after` runs once hiredis has returned, where freeing the context is safe.
#pragma once

#include <uv.h>

#include <functional>

#include "loop/handle.hpp"

struct redisAsyncContext;

namespace graced::probes {

class HiredisPoll {
 public:
  HiredisPoll() = default;
  HiredisPoll(const HiredisPoll&) = delete;
  HiredisPoll& operator=(const HiredisPoll&) = delete;
  // The context must have been freed (or never attached) by now.
  ~HiredisPoll() = default;

  // Takes over `context`'s event hooks. `after` runs after hiredis has handled each
  // readiness event; it may free the context and destroy this object. Returns false when
  // the socket cannot be polled (the context is then not attached).
  bool attach(uv_loop_t* loop, redisAsyncContext* context, std::function<void()> after);

  // The attached context; null once hiredis has freed it (its cleanup hook ran).
  redisAsyncContext* context() const { return context_; }

 private:
  static void add_read(void* self);
  static void del_read(void* self);
  static void add_write(void* self);
  static void del_write(void* self);
  static void cleanup(void* self);
  void want(int events);
  void on_ready(int status, int events);

  redisAsyncContext* context_ = nullptr;
  loop::Poll poll_;
  int events_ = 0;
  std::function<void()> after_;
};

}  // namespace graced::probes
