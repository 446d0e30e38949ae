// What a hook does, exec or http, as the runner drives it: start it, or abandon it. The
// runner owns the deadline; an action never implements a timeout itself.
#pragma once

#include <functional>

#include "hooks/hook_result.hpp"

namespace graced::hooks {

class HookAction {
 public:
  using Done = std::function<void(HookResult)>;
  virtual ~HookAction() = default;

  // `done` is called once (duration and cut are the runner's to fill), possibly before
  // start() returns, unless cancel() comes first. The action may be destroyed from
  // inside `done`.
  virtual void start(Done done) = 0;
  // Abandons the action: kills its processes, closes its sockets. `done` is not called
  // afterwards. Safe when nothing is in flight.
  virtual void cancel() = 0;
};

}  // namespace graced::hooks
