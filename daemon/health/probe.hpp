// The three probes graced answers and the state of one check.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace graced::health {

enum class Probe : std::uint8_t { startup = 1, liveness = 2, readiness = 4 };

// Which probes a check feeds, as a bit set of Probe values.
class ProbeSet {
 public:
  constexpr ProbeSet() = default;
  constexpr ProbeSet(std::initializer_list<Probe> probes) {
    for (auto p : probes)
      add(p);
  }
  constexpr void add(Probe p) {
    bits_ = static_cast<std::uint8_t>(bits_ | static_cast<std::uint8_t>(p));
  }
  constexpr bool has(Probe p) const { return (bits_ & static_cast<std::uint8_t>(p)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool operator==(const ProbeSet&) const = default;

 private:
  std::uint8_t bits_ = 0;
};

std::string_view probe_name(Probe p);  // "startup", "liveness", "readiness"
std::optional<Probe> parse_probe(std::string_view name);
// The path word kube-apiserver uses: "startupz", "livez", "readyz".
std::string_view probe_path_word(Probe p);

enum class CheckStatus : std::uint8_t { unknown, passing, failing };
std::string_view status_name(CheckStatus s);  // "unknown", "pass", "fail"

// What the engine knows about one check, after thresholds are applied.
struct CheckState {
  std::string name;
  std::string type;
  ProbeSet probes;
  CheckStatus status = CheckStatus::unknown;
  bool ever_passed = false;  // startup needs each startup check to have passed once
  std::string message;       // the last attempt's message ("" on success unless the kind says more)
  double duration_ms = 0;    // the last attempt's duration
  std::chrono::system_clock::time_point since{};  // wall clock, for display only
  std::uint32_t consecutive_failures = 0;
  std::uint32_t consecutive_successes = 0;
};

}  // namespace graced::health
