// Fuzz target: durations and signal names as users write them in the configuration.
// Whatever the text, nothing crashes; a parsed duration is never negative and formats to
// text that parses back to it; a parsed signal has a name that parses back to it.
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "config/duration.hpp"
#include "config/signal_names.hpp"
#include "fuzz_seeds.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace graced::config;
  const std::string_view in(reinterpret_cast<const char*>(data), size);

  if (const auto d = parse_duration(in)) {
    require(d->count() >= 0);
    const std::string text = format_duration(*d);
    const auto again = parse_duration(text);
    require(again && *again == *d);
    require(format_duration(*again) == text);
  }
  // format_duration of any value, negative ones included, does not crash; a non-negative
  // one reads back.
  if (size >= 8) {
    std::int64_t raw = 0;
    for (std::size_t i = 0; i < 8; ++i)
      raw = static_cast<std::int64_t>(static_cast<std::uint64_t>(raw) << 8 | data[i]);
    const std::string text = format_duration(Duration{raw});
    require(!text.empty());
    if (raw >= 0) {
      if (const auto back = parse_duration(text)) require(back->count() == raw);
    }
  }

  if (const auto signo = parse_signal(in)) {
    require(*signo >= 1 && *signo <= SIGRTMAX);
    const std::string name = signal_name(*signo);
    const auto again = parse_signal(name);
    require(again && *again == *signo);
    require(signal_name(*again) == name);
  }
  return 0;
}

std::vector<std::string> graced::fuzz::seeds() {
  return {
      "0",       "250ms", "5s",      "1m30s",  "1h",     "2h30m15s500ms", "10s0ms",   "999ms",
      "SIGTERM", "term",  "15",      "SIG15",  "SIGHUP", "KILL",          "SIGRTMIN", "SIGRTMIN+3",
      "RTMAX-2", "SIG32", "sigusr1", "SIGIOT", "SIGCLD", "SIGPOLL",
  };
}
