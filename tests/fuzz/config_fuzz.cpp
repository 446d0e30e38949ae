// Fuzz target: the configuration loader and validator. The bytes are a configuration
// file's text, read through the path load_config takes (toml++, the schema root, every
// section's parser, the cross-section checks). Whatever the text, nothing crashes, every
// diagnostic says what is wrong, and a configuration without errors can be emitted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "daemon_config.hpp"
#include "fuzz_seeds.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace graced;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ConfigRequest request;
  // Half the inputs run as if a command followed --, so that the rest of the validation
  // is not always accompanied by the missing-command error.
  request.require_command = size % 2 == 0;
  const LoadedConfig loaded = load_config_from_string(text, "fuzz.toml", request);
  for (const auto& d : loaded.diagnostics.all()) {
    require(!d.message.empty());
    require(!d.str().empty());
  }
  if (!loaded.diagnostics.has_errors()) {
    const std::string emitted = effective_config_toml(loaded.config);
    require(!emitted.empty() || loaded.config.checks.empty());
    shutdown_budget(loaded.config);
  }
  return 0;
}

std::vector<std::string> graced::fuzz::seeds() {
  return {
      // examples/demo/graced.toml, abridged
      R"([process]
command = ["python3", "${DEMO_DIR:-examples/demo}/service.py"]

[http]
listen = "127.0.0.1:8558"

[[checks]]
name = "service-port"
type = "tcp"
address = "127.0.0.1:8080"
interval = "2s"
timeout = "500ms"
probes = ["readiness"]

[[checks]]
name = "service-http"
type = "http"
url = "http://127.0.0.1:8080/"
interval = "2s"
timeout = "500ms"
expect_status = "200"
)",
      // examples/kubernetes/graced.toml
      R"([process]
command = ["/app/server", "--port", "8080"]
ports = [8080]

[shutdown]
drain_delay = "10s"
drain_until_idle = true
grace_period = "40s"
prestop_path = "/prestop"

[[checks]]
name = "self"
type = "http"
url = "http://127.0.0.1:8080/healthz"
probes = ["startup", "readiness"]
interval = "2s"

[[checks]]
name = "postgres"
type = "postgres"
url = "postgresql://app@postgres:5432/app"
interval = "5s"

[[hooks]]
name = "flush"
phase = "pre-stop"
http = "http://127.0.0.1:8080/admin/flush"
timeout = "5s"
)",
      R"([process]
command = "myapp --port 8080"
user = 1000
signal_group = true

[signals]
map = { SIGHUP = "SIGUSR1", INT = 15 }

[log]
level = "debug"

[startup]
wait_for = ["redis"]

[[checks]]
name = "redis"
type = "redis"
address = "127.0.0.1:6379"
interval = "1m30s"
)",
      "[process]\ncommand = []\n[shutdown]\ngrace_period = \"1s\"\ndrain_delay = \"2s\"\n",
      "[unknown]\nx = 1\n[http\n",
  };
}
