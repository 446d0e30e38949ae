// Polling for a condition with a deadline: tests wait for what they expect instead of
// sleeping a fixed time.
#pragma once

#include <chrono>
#include <functional>

namespace graced::test {

using namespace std::chrono_literals;

// Calls `predicate` until it returns true (-> true) or `timeout` has passed (-> false,
// after one last call).
bool wait_until(const std::function<bool()>& predicate, std::chrono::milliseconds timeout,
                std::chrono::milliseconds interval = 10ms);

}  // namespace graced::test
