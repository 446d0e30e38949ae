// `graced manifest` as a user runs it: the real binary, its output read back by PyYAML (or
// Python's json), and every value checked against the configuration it came from.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <sstream>
#include <string>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"
#include "harness/temp_dir.hpp"

namespace graced::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Loads the document with the parser of its format and prints every scalar as
// "path<TAB>json", paths joined with '.', list items by index; maps and lists print
// "{}"/"[]" at their own path so that empty ones are seen too.
constexpr const char* kFlatten = R"(import json, sys, yaml
fmt, path = sys.argv[1], sys.argv[2]
with open(path, encoding='utf-8') as f:
    doc = json.load(f) if fmt == 'json' else yaml.safe_load(f)
def walk(prefix, v):
    if isinstance(v, dict):
        print(prefix + '\t{}')
        for k, x in v.items():
            walk(prefix + '.' + k if prefix else k, x)
    elif isinstance(v, list):
        print(prefix + '\t[]')
        for i, x in enumerate(v):
            walk(prefix + '.' + str(i), x)
    else:
        print(prefix + '\t' + json.dumps(v))
walk('', doc)
)";

// The document's values by path; fails the test when Python cannot load it.
std::map<std::string, std::string> values_of(const std::string& text,
                                             const std::string& format = "yaml") {
  TempDir dir;
  write_file(dir.file("document"), text);
  write_file(dir.file("flatten.py"), kFlatten);
  const std::string cmd = "/usr/bin/python3 " + dir.file("flatten.py") + " " + format + " " +
                          dir.file("document") + " > " + dir.file("values") + " 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string out = read_file(dir.file("values")).value_or("");
  EXPECT_EQ(rc, 0) << "python could not load the " << format << ":\n" << out << "\n" << text;
  std::map<std::string, std::string> values;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    const auto tab = line.find('\t');
    if (tab != std::string::npos) values[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return values;
}

std::string quoted(const std::string& s) {
  return "\"" + s + "\"";
}

// Listens on every address, as in a pod, on a port nothing needs to be bound to: manifest
// only reads the configuration.
constexpr const char* kListen = "0.0.0.0:9558";

RunResult manifest(std::vector<std::string> args, std::string config,
                   std::optional<std::string> listen = kListen) {
  args.insert(args.begin(), "manifest");
  return run_graced({.args = std::move(args), .config = std::move(config), .http_listen = listen});
}

TEST(Manifest, ContainerFieldsAgreeWithTheConfiguration) {
  // The budget: grace_period 20s + post_stop_timeout (default 2s) + 2s.
  auto r = manifest({}, "[shutdown]\ngrace_period = \"20s\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = values_of(r.out);
  EXPECT_EQ(v["terminationGracePeriodSeconds"], "24");
  EXPECT_EQ(v["container.name"], quoted("app"));
  const std::pair<const char*, const char*> probes[] = {
      {"startupProbe", "/startupz"}, {"livenessProbe", "/livez"}, {"readinessProbe", "/readyz"}};
  for (const auto& [probe, path] : probes) {
    const std::string p = std::string("container.") + probe;
    EXPECT_EQ(v[p + ".httpGet.path"], quoted(path)) << probe;
    EXPECT_EQ(v[p + ".httpGet.port"], "9558") << probe;
    EXPECT_EQ(v.count(p + ".grpc"), 0u) << probe;
  }
  // Defaults: startup.wait_timeout 60s and no checks or hooks; periodSeconds 1.
  EXPECT_EQ(v["container.startupProbe.periodSeconds"], "1");
  EXPECT_EQ(v["container.startupProbe.failureThreshold"], "60");
  EXPECT_EQ(v["container.livenessProbe.periodSeconds"], "10");
  EXPECT_EQ(v["container.livenessProbe.failureThreshold"], "3");
  EXPECT_EQ(v["container.readinessProbe.periodSeconds"], "2");  // drain_delay 5s
  EXPECT_EQ(v["container.readinessProbe.failureThreshold"], "1");
  EXPECT_EQ(v["container.ports.0.name"], quoted("graced"));
  EXPECT_EQ(v["container.ports.0.containerPort"], "9558");
  EXPECT_EQ(v.count("container.ports.1"), 0u);
  // Without prestop_path: no preStop, and the YAML says why.
  EXPECT_EQ(v.count("container.lifecycle"), 0u);
  EXPECT_THAT(r.out, HasSubstr("# no preStop: the kubelet's SIGTERM starts graced's drain"));
  for (const auto& [path, value] : v) {
    const auto top = path.substr(0, path.find('.'));
    EXPECT_TRUE(top.empty() || top == "terminationGracePeriodSeconds" || top == "container")
        << path;
  }
  EXPECT_EQ(r.err, "");
}

TEST(Manifest, PreStopFollowsPrestopPath) {
  auto r = manifest({"--set", "shutdown.post_stop_timeout=\"5s\""},
                    "[shutdown]\nprestop_path = \"/prestop\"\ngrace_period = \"40s\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = values_of(r.out);
  EXPECT_EQ(v["container.lifecycle.preStop.httpGet.path"], quoted("/prestop"));
  EXPECT_EQ(v["container.lifecycle.preStop.httpGet.port"], "9558");
  EXPECT_EQ(v["terminationGracePeriodSeconds"], "47");  // 40s + 5s (from --set) + 2s
  EXPECT_THAT(r.out, Not(HasSubstr("no preStop")));
}

TEST(Manifest, StartupThresholdCoversTheSlowestStartupCheck) {
  auto r = manifest({"--set", "startup.wait_timeout=\"20s\""},
                    "[[checks]]\nname = \"self\"\ntype = \"exec\"\ncommand = [\"/bin/true\"]\n"
                    "initial_delay = \"3s\"\ninterval = \"5s\"\njitter = \"500ms\"\n"
                    "timeout = \"1s\"\nsuccess_threshold = 2\n"
                    "[shutdown]\ndrain_delay = \"2s\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = values_of(r.out);
  // 20s + 3s + 2 x (5s + 500ms + 1s) = 36s, probed every second.
  EXPECT_EQ(v["container.startupProbe.failureThreshold"], "36");
  EXPECT_EQ(v["container.readinessProbe.periodSeconds"], "1");  // drain_delay under 4s
  EXPECT_THAT(r.out, HasSubstr("\"self\""));
}

TEST(Manifest, GrpcProbesOnTheGrpcPort) {
  auto r = manifest({"--probe", "grpc"},
                    "[grpc]\nlisten = \"0.0.0.0:9559\"\n[process]\nports = [8080, 8443]\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = values_of(r.out);
  const std::pair<const char*, const char*> probes[] = {
      {"startupProbe", "startup"}, {"livenessProbe", "liveness"}, {"readinessProbe", "readiness"}};
  for (const auto& [probe, service] : probes) {
    const std::string p = std::string("container.") + probe;
    EXPECT_EQ(v[p + ".grpc.port"], "9559") << probe;
    EXPECT_EQ(v[p + ".grpc.service"], quoted(service)) << probe;
    EXPECT_EQ(v.count(p + ".httpGet"), 0u) << probe;
  }
  const std::pair<const char*, const char*> ports[] = {
      {"graced", "9558"}, {"graced-grpc", "9559"}, {"app", "8080"}, {"app-2", "8443"}};
  for (std::size_t i = 0; i < 4; ++i) {
    const std::string p = "container.ports." + std::to_string(i);
    EXPECT_EQ(v[p + ".name"], quoted(ports[i].first));
    EXPECT_EQ(v[p + ".containerPort"], ports[i].second);
  }
}

TEST(Manifest, GrpcProbesOnTheHttpPortWithoutGrpcListen) {
  auto r = manifest({"--probe=grpc"}, "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = values_of(r.out);
  EXPECT_EQ(v["container.readinessProbe.grpc.port"], "9558");
}

TEST(Manifest, DeploymentSkeleton) {
  auto r = manifest({"--deployment", "registry.example.com/shop:1.4", "--container", "shop"},
                    "[process]\ncommand = [\"shop\", \"--port\", \"8080\"]\nports = [8080]\n"
                    "[shutdown]\ngrace_period = \"30s\"\nprestop_path = \"/prestop\"\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = values_of(r.out);
  EXPECT_EQ(v["apiVersion"], quoted("apps/v1"));
  EXPECT_EQ(v["kind"], quoted("Deployment"));
  EXPECT_EQ(v["metadata.name"], quoted("shop"));
  EXPECT_EQ(v["spec.replicas"], "2");
  EXPECT_EQ(v["spec.selector.matchLabels.app"], quoted("shop"));
  EXPECT_EQ(v["spec.template.metadata.labels.app"], quoted("shop"));
  EXPECT_EQ(v["spec.template.spec.terminationGracePeriodSeconds"], "34");  // 30s + 2s + 2s
  const std::string c = "spec.template.spec.containers.0";
  EXPECT_EQ(v.count("spec.template.spec.containers.1"), 0u);
  EXPECT_EQ(v[c + ".name"], quoted("shop"));
  EXPECT_EQ(v[c + ".image"], quoted("registry.example.com/shop:1.4"));
  EXPECT_EQ(v[c + ".command.0"], quoted("graced"));
  EXPECT_EQ(v[c + ".command.1"], quoted("--"));
  EXPECT_EQ(v[c + ".args.0"], quoted("shop"));
  EXPECT_EQ(v[c + ".args.1"], quoted("--port"));
  EXPECT_EQ(v[c + ".args.2"], quoted("8080"));  // a string, as Kubernetes requires
  EXPECT_EQ(v[c + ".ports.1.name"], quoted("app"));
  EXPECT_EQ(v[c + ".ports.1.containerPort"], "8080");
  EXPECT_EQ(v[c + ".readinessProbe.httpGet.path"], quoted("/readyz"));
  EXPECT_EQ(v[c + ".lifecycle.preStop.httpGet.path"], quoted("/prestop"));
  EXPECT_EQ(v.count("container"), 0u);
  EXPECT_EQ(v.count("terminationGracePeriodSeconds"), 0u);
}

TEST(Manifest, DeploymentTakesTheCommandAfterDoubleDash) {
  auto r = run_graced({.args = {"manifest", "--deployment", "img", "--", "/bin/app", "-v"},
                       .http_listen = kListen});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto v = values_of(r.out);
  const std::string c = "spec.template.spec.containers.0";
  EXPECT_EQ(v[c + ".args.0"], quoted("/bin/app"));
  EXPECT_EQ(v[c + ".args.1"], quoted("-v"));
  EXPECT_EQ(v[c + ".name"], quoted("app"));
}

TEST(Manifest, JsonHasTheSameValues) {
  auto yaml = manifest({"--deployment", "img:2"}, "[shutdown]\ngrace_period = \"20s\"\n");
  auto json = manifest({"--deployment", "img:2", "--format", "json"},
                       "[shutdown]\ngrace_period = \"20s\"\n");
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out.front(), '{');
  EXPECT_EQ(values_of(json.out, "json"), values_of(yaml.out));
  EXPECT_EQ(values_of(json.out, "json")["spec.template.spec.terminationGracePeriodSeconds"], "24");
  // Comments have no place in JSON: the note goes to stderr.
  EXPECT_THAT(json.err, HasSubstr("graced manifest: note: no preStop"));
  EXPECT_THAT(json.out, Not(HasSubstr("#")));
}

TEST(Manifest, LoopbackListenerIsWarnedAbout) {
  auto r = manifest({}, "", "127.0.0.1:9558");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("warning: http.listen \"127.0.0.1:9558\" only accepts loopback"));
  EXPECT_EQ(values_of(r.out)["container.livenessProbe.httpGet.port"], "9558");
}

TEST(Manifest, UsageErrorsExit2) {
  auto r = manifest({"--format", "xml"}, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--format: \"xml\" is not a format (use yaml or json)"));
  EXPECT_EQ(r.out, "");
  r = manifest({"--probe", "tcp"}, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--probe: \"tcp\" is not a probe kind"));
  r = manifest({"--container", "Not_A_Label"}, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("is not a valid container name"));
}

TEST(Manifest, NoProbePortExits2) {
  auto r = manifest({}, "", "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--probe http needs graced's HTTP listener, but http.listen is"));
  EXPECT_EQ(r.out, "");
  r = manifest({"--probe", "grpc"}, "", "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--probe grpc needs a port that serves gRPC"));
  r = manifest({}, "", "0.0.0.0:0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("has port 0"));
}

TEST(Manifest, ConfigurationErrorsPrintLikeCheckConfig) {
  auto r = manifest({}, "[shutdown]\ngrace_period = \"soon\"\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("shutdown.grace_period"));
  EXPECT_THAT(r.err, HasSubstr("graced: "));
  EXPECT_EQ(r.out, "");
}

TEST(Manifest, Help) {
  // (`graced help manifest` is covered by the unit tests: the harness adds --set to every
  // verb but probe, and help takes no options.)
  auto r = run_graced({.args = {"manifest", "--help"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Usage: graced manifest"));
  EXPECT_THAT(r.out, HasSubstr("--deployment IMAGE"));
  r = run_graced({.args = {"--help"}});
  EXPECT_THAT(r.out, HasSubstr("graced manifest [-c FILE]"));
}

}  // namespace
}  // namespace graced::test
