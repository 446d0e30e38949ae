// examples/kubernetes stays what `graced manifest` prints now, and its pieces fit together:
// the Service and the PodDisruptionBudget select the Deployment's pods, the Service targets
// a port the container names, the ConfigMap carries graced.toml verbatim and is mounted
// where graced looks for it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"
#include "harness/paths.hpp"
#include "harness/temp_dir.hpp"
#include "peers/peer_process.hpp"

namespace graced {
namespace {

using namespace std::chrono_literals;

const std::string kExample = test::kSourceDir + "/examples/kubernetes";

// Checks the example's YAML files together; prints "ok" or what does not fit.
const char* kCoherence = R"PY(
import sys, yaml
d = sys.argv[1]
def load(name):
    with open(d + "/" + name) as f:
        return yaml.safe_load(f)
deploy, svc, pdb = load("deployment.yaml"), load("service.yaml"), load("pdb.yaml")
cm, kust = load("configmap.yaml"), load("kustomization.yaml")
problems = []
labels = deploy["spec"]["template"]["metadata"]["labels"]
if deploy["spec"]["selector"]["matchLabels"] != labels: problems.append("deployment selector")
if svc["spec"]["selector"] != labels: problems.append("service selector")
if pdb["spec"]["selector"]["matchLabels"] != labels: problems.append("pdb selector")
container = deploy["spec"]["template"]["spec"]["containers"][0]
names = [p["name"] for p in container["ports"]]
if svc["spec"]["ports"][0]["targetPort"] not in names: problems.append("service targetPort")
with open(d + "/graced.toml") as f:
    if cm["data"]["graced.toml"] != f.read(): problems.append("configmap content")
if sorted(kust["resources"]) != sorted(["configmap.yaml", "deployment.yaml", "service.yaml", "pdb.yaml"]):
    problems.append("kustomization resources")
patch = yaml.safe_load(kust["patches"][0]["patch"])
mount = [op for op in patch if op["path"].endswith("volumeMounts")][0]["value"][0]
volume = [op for op in patch if op["path"].endswith("volumes")][0]["value"][0]
if mount["mountPath"] != "/etc/graced" or mount["name"] != volume["name"]: problems.append("mount")
if volume["configMap"]["name"] != cm["metadata"]["name"]: problems.append("volume configMap")
if deploy["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] != 44:
    problems.append("terminationGracePeriodSeconds")
if container["lifecycle"]["preStop"]["httpGet"]["path"] != "/prestop": problems.append("preStop")
print("ok" if not problems else "problems: " + ", ".join(problems))
)PY";

TEST(KubernetesExample, CheckedInFilesAreWhatGenerateWritesNow) {
  test::TempDir out;
  test::TempDir logs;
  ::setenv("GRACED", test::kGracedBinary.c_str(), 1);
  test::run_peer_tool({kExample + "/generate", out.path()}, logs.file("generate.log"), std::nullopt,
                      30s);
  for (const char* name : {"deployment.yaml", "configmap.yaml"}) {
    const auto now = test::read_file(out.file(name));
    ASSERT_TRUE(now) << name;
    EXPECT_EQ(*now, test::read_file(kExample + "/" + name).value_or(""))
        << name << " is stale: run examples/kubernetes/generate";
  }
}

TEST(KubernetesExample, PiecesFitTogether) {
  test::TempDir dir;
  test::write_file(dir.file("check.py"), kCoherence);
  test::run_peer_tool({"/usr/bin/python3", dir.file("check.py"), kExample}, dir.file("out"),
                      std::nullopt, 30s);
  EXPECT_EQ(test::read_file(dir.file("out")).value_or(""), "ok\n");
}

TEST(KubernetesExample, ItsConfigurationIsValid) {
  const auto r = test::run_graced({.args = {"check-config", "-c", kExample + "/graced.toml"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace graced
