#include "probes/redis/hiredis_poll.hpp"

#include <hiredis/async.h>

#include <exception>

namespace graced::probes {

bool HiredisPoll::attach(uv_loop_t* loop, redisAsyncContext* context, std::function<void()> after) {
  if (context->ev.data) return false;  // another adapter owns it
  try {
    poll_ = loop::Poll(loop, context->c.fd);
  } catch (const std::exception&) {
    return false;
  }
  context_ = context;
  events_ = 0;
  after_ = std::move(after);
  context->ev.data = this;
  context->ev.addRead = &HiredisPoll::add_read;
  context->ev.delRead = &HiredisPoll::del_read;
  context->ev.addWrite = &HiredisPoll::add_write;
  context->ev.delWrite = &HiredisPoll::del_write;
  context->ev.cleanup = &HiredisPoll::cleanup;
  return true;
}

void HiredisPoll::add_read(void* self) {
  auto* p = static_cast<HiredisPoll*>(self);
  p->want(p->events_ | UV_READABLE);
}

void HiredisPoll::del_read(void* self) {
  auto* p = static_cast<HiredisPoll*>(self);
  p->want(p->events_ & ~UV_READABLE);
}

void HiredisPoll::add_write(void* self) {
  auto* p = static_cast<HiredisPoll*>(self);
  p->want(p->events_ | UV_WRITABLE);
}

void HiredisPoll::del_write(void* self) {
  auto* p = static_cast<HiredisPoll*>(self);
  p->want(p->events_ & ~UV_WRITABLE);
}

// hiredis is freeing the context and is about to close its socket: the poll must go first.
void HiredisPoll::cleanup(void* self) {
  auto* p = static_cast<HiredisPoll*>(self);
  p->poll_.close();
  p->events_ = 0;
  p->context_ = nullptr;
}

void HiredisPoll::want(int events) {
  events_ = events;
  if (!poll_) return;
  if (events_ == 0) {
    poll_.stop();
  } else {
    poll_.start(events_, [this](int status, int ready) { on_ready(status, ready); });
  }
}

void HiredisPoll::on_ready(int status, int events) {
  // On POLLERR libuv stops the handle and passes no events: let hiredis read or write, as
  // it wanted to, so that it meets the socket's error and reports it.
  const int ready = status < 0 ? events_ : events;
  if (context_ && (ready & UV_READABLE)) redisAsyncHandleRead(context_);
  if (context_ && (ready & UV_WRITABLE)) redisAsyncHandleWrite(context_);
  if (status < 0 && context_) want(events_);  // libuv stopped the handle; hiredis still waits
  if (after_) {
    auto after = after_;  // it may destroy this object
    after();
  }
}

}  // namespace graced::probes
