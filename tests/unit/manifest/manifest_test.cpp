// build_manifest from a loaded configuration: the probe timings (the startup window
// formula), the ports, preStop, and the configurations that cannot be expressed; and the
// command line of `graced manifest`.
#include "manifest/manifest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli/invocation.hpp"

namespace graced::manifest {
namespace {

using ::testing::HasSubstr;

class ManifestBuild : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/graced-manifest-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  DaemonConfig load(const std::string& toml) {
    const std::string path = dir_ + "/graced.toml";
    std::ofstream(path) << toml;
    auto loaded = load_config({path, {}, {}, false});
    for (const auto& d : loaded.diagnostics.all())
      ADD_FAILURE() << d.str();
    return loaded.config;
  }

  static Value built(const std::variant<Manifest, ManifestError>& r) {
    if (auto* e = std::get_if<ManifestError>(&r)) {
      ADD_FAILURE() << e->message;
      return {};
    }
    return std::get<Manifest>(r).document;
  }

  static std::string error(const std::variant<Manifest, ManifestError>& r) {
    if (auto* e = std::get_if<ManifestError>(&r)) return e->message;
    ADD_FAILURE() << "built without error";
    return "";
  }

  std::string dir_;
};

TEST_F(ManifestBuild, StartupWindowWithDefaultsIsTheWaitTimeout) {
  const DaemonConfig c = load("");
  const StartupWindow w = startup_window(c);
  EXPECT_EQ(w.total(), config::Duration{60000});
  EXPECT_EQ(w.slowest_check_name, "");
  EXPECT_EQ(startup_timing(c).failure_threshold, 60);
  EXPECT_EQ(startup_timing(c).period_seconds, 1);
}

TEST_F(ManifestBuild, StartupWindowAddsHooksWaitAndTheSlowestStartupCheck) {
  const DaemonConfig c = load(
      "[startup]\nwait_timeout = \"30s\"\n"
      "[[hooks]]\nname = \"migrate\"\nphase = \"pre-start\"\nexec = [\"/bin/true\"]\n"
      "timeout = \"15s\"\n"
      "[[hooks]]\nname = \"warm\"\nphase = \"post-start\"\nexec = [\"/bin/true\"]\n"
      "timeout = \"100s\"\n"
      // Readiness only: not a startup check once another check names startup.
      "[[checks]]\nname = \"slow\"\ntype = \"exec\"\ncommand = [\"/bin/true\"]\n"
      "interval = \"1m\"\n"
      "[[checks]]\nname = \"self\"\ntype = \"exec\"\ncommand = [\"/bin/true\"]\n"
      "probes = [\"startup\", \"readiness\"]\ninitial_delay = \"2s\"\ninterval = \"3s\"\n"
      "jitter = \"500ms\"\ntimeout = \"1s\"\nsuccess_threshold = 2\n"
      "[[checks]]\nname = \"quick\"\ntype = \"exec\"\ncommand = [\"/bin/true\"]\n"
      "probes = [\"startup\"]\ninterval = \"2s\"\n");
  const StartupWindow w = startup_window(c);
  EXPECT_EQ(w.pre_start_hooks, config::Duration{15000});
  EXPECT_EQ(w.wait_timeout, config::Duration{30000});
  // 2s + 2 x (3s + 0.5s + 1s)
  EXPECT_EQ(w.slowest_check, config::Duration{11000});
  EXPECT_EQ(w.slowest_check_name, "self");
  EXPECT_EQ(startup_timing(c).failure_threshold, 15 + 30 + 11);
}

TEST_F(ManifestBuild, StartupChecksDefaultToTheReadinessChecks) {
  const DaemonConfig c = load(
      "[startup]\nwait_timeout = \"10s\"\n"
      "[[checks]]\nname = \"db\"\ntype = \"exec\"\ncommand = [\"/bin/true\"]\n"
      "interval = \"10s\"\ntimeout = \"1500ms\"\n"
      "[[checks]]\nname = \"alive\"\ntype = \"exec\"\ncommand = [\"/bin/true\"]\n"
      "probes = [\"liveness\"]\ninterval = \"5m\"\n");
  const StartupWindow w = startup_window(c);
  // 0 + 1 x (10s + 1s (10% jitter) + 1.5s); the liveness check does not count.
  EXPECT_EQ(w.slowest_check, config::Duration{12500});
  EXPECT_EQ(w.slowest_check_name, "db");
  EXPECT_EQ(startup_timing(c).failure_threshold, 23);  // 22.5s, rounded up
}

TEST_F(ManifestBuild, ReadinessPeriodFollowsTheDrainWindow) {
  EXPECT_EQ(readiness_timing(load("")).period_seconds, 2);
  EXPECT_EQ(readiness_timing(load("[shutdown]\ndrain_delay = \"3s\"\n")).period_seconds, 1);
  const ProbeTiming r = readiness_timing(load(""));
  EXPECT_EQ(r.failure_threshold, 1);
  EXPECT_EQ(r.success_threshold, 1);
  const ProbeTiming l = liveness_timing(load(""));
  EXPECT_EQ(l.period_seconds, 10);
  EXPECT_EQ(l.failure_threshold, 3);
}

TEST_F(ManifestBuild, ContainerFromDefaults) {
  const DaemonConfig c = load("");
  const auto r = build_manifest(c, {});
  const Value& doc = built(r);
  ASSERT_NE(doc.find("terminationGracePeriodSeconds"), nullptr);
  EXPECT_EQ(doc.find("terminationGracePeriodSeconds")->as_integer(), 25 + 2 + 2);
  const Value* container = doc.find("container");
  ASSERT_NE(container, nullptr);
  EXPECT_EQ(container->find("name")->as_string(), "app");
  EXPECT_EQ(container->find("lifecycle"), nullptr);
  const Value* get = container->find("livenessProbe")->find("httpGet");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->find("path")->as_string(), "/livez");
  EXPECT_EQ(get->find("port")->as_integer(), 8558);
  const auto& m = std::get<Manifest>(r);
  ASSERT_EQ(m.notes.size(), 1u);
  EXPECT_THAT(m.notes[0], HasSubstr("SIGTERM starts graced's drain by itself"));
  EXPECT_TRUE(m.warnings.empty());
}

TEST_F(ManifestBuild, PortsAreNamedAndListedOnce) {
  const DaemonConfig c = load(
      "[http]\nlisten = \"[::]:9000\"\n[grpc]\nlisten = \"0.0.0.0:9001\"\n"
      "[process]\nports = [8080, 8081, 9000]\n");
  const Value doc = built(build_manifest(c, {}));
  const Value& ports = *doc.find("container")->find("ports");
  ASSERT_EQ(ports.size(), 4u);
  const char* names[] = {"graced", "graced-grpc", "app", "app-2"};
  const long long numbers[] = {9000, 9001, 8080, 8081};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(ports.at(i)->find("name")->as_string(), names[i]);
    EXPECT_EQ(ports.at(i)->find("containerPort")->as_integer(), numbers[i]);
  }
}

TEST_F(ManifestBuild, GrpcProbesPreferTheGrpcPort) {
  Options o;
  o.probe = ProbeKind::grpc;
  const Value on_http_doc = built(build_manifest(load(""), o));
  const Value& on_http = *on_http_doc.find("container");
  EXPECT_EQ(on_http.find("startupProbe")->find("grpc")->find("port")->as_integer(), 8558);
  const Value own_doc = built(build_manifest(load("[grpc]\nlisten = \"0.0.0.0:9001\"\n"), o));
  const Value& own = *own_doc.find("container");
  const Value* grpc = own.find("readinessProbe")->find("grpc");
  EXPECT_EQ(grpc->find("port")->as_integer(), 9001);
  EXPECT_EQ(grpc->find("service")->as_string(), "readiness");
  EXPECT_EQ(own.find("livenessProbe")->find("grpc")->find("service")->as_string(), "liveness");
}

TEST_F(ManifestBuild, WhatCannotBeExpressedIsAnError) {
  Options grpc;
  grpc.probe = ProbeKind::grpc;
  EXPECT_THAT(error(build_manifest(load("[http]\nlisten = \"\"\n"), {})),
              HasSubstr("--probe http needs graced's HTTP listener, but http.listen is \"\""));
  EXPECT_THAT(error(build_manifest(load("[http]\nlisten = \"\"\n"), grpc)),
              HasSubstr("--probe grpc needs a port that serves gRPC"));
  EXPECT_THAT(error(build_manifest(load("[http]\nlisten = \"0.0.0.0:0\"\n"), {})),
              HasSubstr("http.listen \"0.0.0.0:0\" has port 0"));
  Options bad_name;
  bad_name.container = "My_App";
  EXPECT_THAT(error(build_manifest(load(""), bad_name)),
              HasSubstr("--container: \"My_App\" is not a valid container name"));
  // gRPC on a port of its own works without the HTTP listener.
  const Value& doc = built(
      build_manifest(load("[http]\nlisten = \"\"\n[grpc]\nlisten = \"0.0.0.0:9001\"\n"), grpc));
  EXPECT_EQ(doc.find("container")->find("ports")->size(), 1u);
}

TEST_F(ManifestBuild, LoopbackListenerIsAWarning) {
  const auto r = build_manifest(load("[http]\nlisten = \"127.0.0.1:8558\"\n"), {});
  const auto& m = std::get<Manifest>(r);
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_THAT(m.warnings[0], HasSubstr("only accepts loopback connections"));
}

TEST_F(ManifestBuild, RunPrintsErrorsAndExits2) {
  std::string out;
  std::string err;
  EXPECT_EQ(run_manifest_command(load("[http]\nlisten = \"\"\n"), {}, out, err), 2);
  EXPECT_EQ(out, "");
  EXPECT_THAT(err, HasSubstr("graced manifest: --probe http needs"));
}

TEST_F(ManifestBuild, JsonNotesGoToStderr) {
  Options o;
  o.format = Format::json;
  std::string out;
  std::string err;
  EXPECT_EQ(run_manifest_command(load(""), o, out, err), 0);
  EXPECT_EQ(out.front(), '{');
  EXPECT_THAT(err, HasSubstr("note: no preStop"));
}

using Args = std::vector<std::string>;

TEST(ManifestArgs, FlagsInEveryForm) {
  auto r = cli::parse_invocation({"manifest", "-c", "f.toml", "--set", "a.b=1", "--format=json",
                                  "--probe", "grpc", "--container", "web", "--deployment=img:1",
                                  "--", "myapp", "--port", "80"});
  ASSERT_TRUE(std::holds_alternative<cli::Invocation>(r)) << std::get<cli::UsageError>(r).message;
  const auto& inv = std::get<cli::Invocation>(r);
  EXPECT_EQ(inv.verb, cli::Verb::manifest);
  EXPECT_EQ(inv.config_path, "f.toml");
  EXPECT_EQ(inv.overrides, Args{"a.b=1"});
  EXPECT_EQ(inv.command, (Args{"myapp", "--port", "80"}));
  EXPECT_EQ(inv.manifest.format, Format::json);
  EXPECT_EQ(inv.manifest.probe, ProbeKind::grpc);
  EXPECT_EQ(inv.manifest.container, "web");
  EXPECT_EQ(inv.manifest.image, "img:1");
}

TEST(ManifestArgs, Defaults) {
  auto r = cli::parse_invocation({"manifest"});
  const auto& inv = std::get<cli::Invocation>(r);
  EXPECT_EQ(inv.manifest.format, Format::yaml);
  EXPECT_EQ(inv.manifest.probe, ProbeKind::http);
  EXPECT_EQ(inv.manifest.container, "app");
  EXPECT_FALSE(inv.manifest.image);
}

TEST(ManifestArgs, BadValuesAreUsageErrors) {
  auto message = [](const Args& args) {
    auto r = cli::parse_invocation(args);
    if (auto* e = std::get_if<cli::UsageError>(&r)) return e->message;
    return std::string("parsed");
  };
  EXPECT_EQ(message({"manifest", "--format", "xml"}),
            "--format: \"xml\" is not a format (use yaml or json)");
  EXPECT_EQ(message({"manifest", "--format"}), "--format needs a value: yaml or json");
  EXPECT_EQ(message({"manifest", "--probe=tcp"}),
            "--probe: \"tcp\" is not a probe kind (use http or grpc)");
  EXPECT_EQ(message({"manifest", "--container="}), "--container needs a name");
  EXPECT_THAT(message({"manifest", "--deployment"}), HasSubstr("--deployment needs an image"));
  // The flags belong to manifest alone.
  EXPECT_EQ(message({"check-config", "--format", "json"}), "unknown option --format");
  EXPECT_EQ(message({"--probe", "http"}), "unknown option --probe");
}

TEST(ManifestArgs, Help) {
  for (const Args& args :
       {Args{"manifest", "--help"}, Args{"manifest", "-h"}, Args{"help", "manifest"}}) {
    auto r = cli::parse_invocation(args);
    ASSERT_TRUE(std::holds_alternative<cli::Invocation>(r));
    EXPECT_EQ(std::get<cli::Invocation>(r).verb, cli::Verb::help);
    EXPECT_EQ(std::get<cli::Invocation>(r).help_topic, "manifest");
  }
  EXPECT_THAT(cli::usage("manifest"), HasSubstr("Usage: graced manifest"));
  EXPECT_THAT(cli::usage(""), HasSubstr("graced manifest [-c FILE]"));
}

}  // namespace
}  // namespace graced::manifest
