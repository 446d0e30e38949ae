#include "loop/handle.hpp"

#include <stdexcept>
#include <string>

namespace graced::loop {

namespace {
void check(int rc, const char* what) {
  if (rc != 0) throw std::runtime_error(std::string(what) + ": " + uv_strerror(rc));
}
}  // namespace

Timer::Timer(uv_loop_t* loop) {
  h_ = new uv_timer_t{};
  check(uv_timer_init(loop, h_), "uv_timer_init");
}

void Timer::start(std::uint64_t timeout_ms, std::function<void()> cb, std::uint64_t repeat_ms) {
  cb_ = std::move(cb);
  h_->data = this;
  uv_timer_start(
      h_,
      [](uv_timer_t* t) {
        if (auto* self = static_cast<Timer*>(t->data)) {
          // Copy: the callback may restart or destroy this timer.
          auto fn = self->cb_;
          fn();
        }
      },
      timeout_ms, repeat_ms);
}

void Timer::stop() {
  if (h_) uv_timer_stop(h_);
}

bool Timer::active() const {
  return h_ && uv_is_active(reinterpret_cast<const uv_handle_t*>(h_));
}

Poll::Poll(uv_loop_t* loop, int fd) {
  h_ = new uv_poll_t{};
  int rc = uv_poll_init(loop, h_, fd);
  if (rc != 0) {
    delete h_;
    h_ = nullptr;
    check(rc, "uv_poll_init");
  }
}

void Poll::start(int events, Callback cb) {
  cb_ = std::move(cb);
  h_->data = this;
  uv_poll_start(h_, events, [](uv_poll_t* p, int status, int ev) {
    if (auto* self = static_cast<Poll*>(p->data)) {
      auto fn = self->cb_;
      fn(status, ev);
    }
  });
}

void Poll::stop() {
  if (h_) uv_poll_stop(h_);
}

}  // namespace graced::loop
