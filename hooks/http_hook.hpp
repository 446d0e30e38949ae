// An http hook: one request sent by the http check kind's client (HTTP/1.1, TLS, on the
// loop), judged by its status.
#pragma once

#include <uv.h>

#include <memory>
#include <string>

#include "config/duration.hpp"
#include "hooks/hook_action.hpp"
#include "hooks/hook_config.hpp"
#include "probes/check.hpp"
#include "process/spawner.hpp"

namespace graced::hooks {

class HttpHook : public HookAction {
 public:
  HttpHook(uv_loop_t* loop, process::Spawner& spawner, std::string name, const HttpAction& action,
           config::Duration timeout);
  ~HttpHook() override { cancel(); }

  void start(Done done) override;
  void cancel() override;

 private:
  std::unique_ptr<probes::Check> request_;
};

// The status in the http kind's messages ("HTTP 503 (expected 200-399)"); 0 when the
// message is about something else ("connection refused").
int http_status_of(const std::string& message);

}  // namespace graced::hooks
