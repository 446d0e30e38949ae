// Loopback ports for listeners under test.
#pragma once

#include <cstdint>

namespace graced::test {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
// Throws std::runtime_error when no socket can be bound.
std::uint16_t free_port();

}  // namespace graced::test
