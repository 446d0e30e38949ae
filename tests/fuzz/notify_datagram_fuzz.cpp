// Fuzz target: the sd_notify datagram parser. Whatever the bytes, nothing crashes, a
// malformed datagram sets nothing else, and what was parsed is what the datagram says.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_seeds.hpp"
#include "notify/notify_datagram.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace graced::notify;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const NotifyMessage m = parse_notify_datagram(in);
  if (m.malformed) {
    require(!m.ready && !m.stopping && !m.watchdog_ping && !m.watchdog_trigger && !m.status &&
            !m.mainpid);
    return 0;
  }
  require(!in.empty() && in.size() <= kMaxNotifyDatagram);
  require(in.find('\0') == std::string_view::npos);
  require(!(m.watchdog_ping && m.watchdog_trigger));
  if (m.ready) require(in.find("READY=1") != std::string_view::npos);
  if (m.stopping) require(in.find("STOPPING=1") != std::string_view::npos);
  if (m.mainpid) require(*m.mainpid > 0);
  if (m.status) {
    require(m.status->find('\n') == std::string::npos);
    require(in.find("STATUS=" + *m.status) != std::string_view::npos);
  }
  return 0;
}

std::vector<std::string> graced::fuzz::seeds() {
  return {
      "READY=1",
      "READY=1\nSTATUS=Serving 12 connections\nMAINPID=4242\n",
      "STOPPING=1\nSTATUS=draining",
      "WATCHDOG=1",
      "WATCHDOG=trigger\nWATCHDOG=1",
      "STATUS=\nREADY=0\nX_CUSTOM=yes\nMAINPID=0",
      "MAINPID=2147483647\nMAINPID=12",
      "EXTEND_TIMEOUT_USEC=5000000\nERRNO=2\nBUSERROR=org.example.Failed\n\n",
  };
}
