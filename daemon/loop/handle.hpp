// Owned libuv handles. Each wrapper allocates its handle on the heap and frees it only in
// uv_close's callback, so a handle never outlives its memory and an owner can be destroyed
// at any time, even from inside the handle's own callback.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <utility>

namespace graced::loop {

template <class UvType>
class Handle {
 public:
  Handle() = default;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : h_(std::exchange(other.h_, nullptr)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      close();
      h_ = std::exchange(other.h_, nullptr);
    }
    return *this;
  }
  ~Handle() { close(); }

  UvType* get() const { return h_; }
  explicit operator bool() const { return h_ != nullptr; }

  void close() {
    if (!h_) return;
    auto* base = reinterpret_cast<uv_handle_t*>(h_);
    base->data = nullptr;  // callbacks already queued must not reach the old owner
    if (!uv_is_closing(base)) {
      uv_close(base, [](uv_handle_t* h) { delete reinterpret_cast<UvType*>(h); });
    }
    h_ = nullptr;
  }

 protected:
  UvType* h_ = nullptr;
};

// A one-shot or repeating timer calling a std::function.
class Timer : public Handle<uv_timer_t> {
 public:
  Timer() = default;
  explicit Timer(uv_loop_t* loop);
  void start(std::uint64_t timeout_ms, std::function<void()> cb, std::uint64_t repeat_ms = 0);
  void stop();
  bool active() const;

 private:
  std::function<void()> cb_;
};

// Readiness of a file descriptor.
class Poll : public Handle<uv_poll_t> {
 public:
  using Callback = std::function<void(int status, int events)>;
  Poll() = default;
  Poll(uv_loop_t* loop, int fd);
  void start(int events, Callback cb);
  void stop();

 private:
  Callback cb_;
};

}  // namespace graced::loop
