// The plug-in interface of a check kind. A kind only knows how to run one attempt and
// how to abandon it; scheduling, timeouts and thresholds live once, in the engine.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/duration.hpp"
#include "config/emitter.hpp"
#include "config/section.hpp"

namespace graced::process {
class Spawner;
}

namespace graced::probes {

struct CheckResult {
  bool ok = false;
  std::string message;  // short, human-readable; never a password or a full DSN

  static CheckResult pass(std::string message = {}) { return {true, std::move(message)}; }
  static CheckResult fail(std::string message) { return {false, std::move(message)}; }
};

// What a check attempt may use.
struct CheckContext {
  uv_loop_t* loop = nullptr;
  process::Spawner* spawner = nullptr;  // every process goes through the one spawner
  std::string name;                     // the check's name, for logs
  config::Duration timeout{1000};       // the engine enforces it; kinds may pass it on
};

// One configured check of some kind. The engine calls start() at most once at a time.
class Check {
 public:
  using Done = std::function<void(CheckResult)>;
  virtual ~Check() = default;

  // Starts one attempt. `done` is called exactly once, possibly before start() returns,
  // unless cancel() is called first.
  virtual void start(Done done) = 0;
  // Abandons the attempt in flight (timeout or shutdown): closes its sockets, kills its
  // processes. `done` must not be called afterwards. Safe when nothing is in flight.
  virtual void cancel() = 0;
};

// A kind's parsed type-specific keys.
class CheckSettings {
 public:
  virtual ~CheckSettings() = default;
  // Writes the kind's keys into the check's table for `graced check-config`.
  virtual void emit(config::Emitter::Table& table) const = 0;
};

class CheckKind {
 public:
  virtual ~CheckKind() = default;
  virtual std::string_view type() const = 0;
  // The kind's own keys (beside the common ones every check has).
  virtual const config::SectionSpec& spec() const = 0;
  // True for external dependencies (tcp, http, postgres, redis, grpc): check-config warns
  // when one is on liveness, since a database blip must not restart every replica.
  virtual bool is_dependency() const = 0;
  // Reads the kind's keys; reports problems through the section and returns null when the
  // check cannot be built.
  virtual std::shared_ptr<const CheckSettings> parse(config::Section& section) const = 0;
  virtual std::unique_ptr<Check> create(std::shared_ptr<const CheckSettings> settings,
                                        const CheckContext& context) const = 0;
};

// Kinds register themselves by type name from their own folder, at static
// initialisation; the engine knows no kind by name.
void register_check_kind(std::unique_ptr<CheckKind> kind);
const CheckKind* find_check_kind(std::string_view type);
std::vector<const CheckKind*> check_kinds();

#define GRACED_REGISTER_CHECK_KIND(KindClass)                                       \
  namespace {                                                                       \
  [[maybe_unused]] const bool kRegistered##KindClass =                              \
      (::graced::probes::register_check_kind(std::make_unique<KindClass>()), true); \
  }

}  // namespace graced::probes
