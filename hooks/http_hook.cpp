#include "hooks/http_hook.hpp"

namespace graced::hooks {

HttpHook::HttpHook(uv_loop_t* loop, process::Spawner& spawner, std::string name,
                   const HttpAction& action, config::Duration timeout) {
  if (action.kind && action.request) {
    request_ = action.kind->create(action.request,
                                   probes::CheckContext{loop, &spawner, std::move(name), timeout});
  }
}

void HttpHook::start(Done done) {
  if (!request_) {
    HookResult r;
    r.message = "the http request was not configured";
    done(std::move(r));
    return;
  }
  request_->start([done = std::move(done)](probes::CheckResult result) {
    HookResult r;
    r.ok = result.ok;
    r.http_status = http_status_of(result.message);
    r.message = std::move(result.message);
    done(std::move(r));
  });
}

void HttpHook::cancel() {
  if (request_) request_->cancel();
}

int http_status_of(const std::string& message) {
  constexpr std::string_view kPrefix = "HTTP ";
  if (message.size() < kPrefix.size() + 3 || message.compare(0, kPrefix.size(), kPrefix) != 0)
    return 0;
  int status = 0;
  for (std::size_t i = kPrefix.size(); i < kPrefix.size() + 3; ++i) {
    const char c = message[i];
    if (c < '0' || c > '9') return 0;
    status = status * 10 + (c - '0');
  }
  const std::size_t end = kPrefix.size() + 3;
  if (message.size() > end && message[end] != ' ') return 0;
  return status;
}

}  // namespace graced::hooks
