// [[hooks]] parsing: defaults, exec and http hooks, the http request validated by the http
// check kind, every kind of mistake as a diagnostic naming file:line:key, and check-config
// output with secrets redacted.
#include "hooks/hook_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/emitter.hpp"
#include "config/section.hpp"

namespace graced::hooks {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const config::SectionSpec kRootSpec{"", "", {{"hooks", "array", "", ""}}};

struct Parsed {
  std::vector<HookConfig> hooks;
  config::Diagnostics diags;

  // Every diagnostic as "file:line: key: message", one per line.
  std::string text() const {
    std::string out;
    for (const auto& d : diags.all())
      out += d.str() + "\n";
    return out;
  }
};

Parsed parse(const std::string& toml) {
  Parsed p;
  config::Document doc;
  doc.set_env([](const std::string& name) -> std::optional<std::string> {
    if (name == "DRAIN_TOKEN") return "t0k$n";
    return std::nullopt;
  });
  EXPECT_TRUE(doc.load_string(toml, "graced.toml", p.diags)) << p.text();
  config::Section root = doc.root(kRootSpec, p.diags);
  p.hooks = parse_hooks_config(root);
  return p;
}

TEST(HookConfigTest, ExecHookWithDefaults) {
  auto p = parse(R"([[hooks]]
name = "migrate"
phase = "pre-start"
exec = ["./migrate", "--up"]
)");
  ASSERT_FALSE(p.diags.has_errors()) << p.text();
  ASSERT_EQ(p.hooks.size(), 1u);
  const auto& h = p.hooks[0];
  EXPECT_EQ(h.name, "migrate");
  EXPECT_EQ(h.phase, HookPhase::pre_start);
  EXPECT_EQ(h.timeout, config::Duration(10000));
  EXPECT_FALSE(h.fatal);
  const auto* exec = std::get_if<ExecAction>(&h.action);
  ASSERT_NE(exec, nullptr);
  EXPECT_THAT(exec->command, ElementsAre("./migrate", "--up"));
  EXPECT_TRUE(exec->workdir.empty());
  EXPECT_TRUE(exec->env.empty());
}

TEST(HookConfigTest, ExecHookWithEverything) {
  auto p = parse(R"([[hooks]]
name = "warm.cache-1"
phase = "post-start"
timeout = "1m30s"
fatal = true
exec = ["sh", "-c", "echo hi"]
workdir = "/srv"
env = { MODE = "warm" }
)");
  ASSERT_FALSE(p.diags.has_errors()) << p.text();
  ASSERT_EQ(p.hooks.size(), 1u);
  const auto& h = p.hooks[0];
  EXPECT_EQ(h.phase, HookPhase::post_start);
  EXPECT_EQ(h.timeout, config::Duration(90000));
  EXPECT_TRUE(h.fatal);
  const auto& exec = std::get<ExecAction>(h.action);
  EXPECT_EQ(exec.workdir, "/srv");
  EXPECT_THAT(exec.env, ElementsAre(Pair("MODE", "warm")));
}

TEST(HookConfigTest, HttpHookWithDefaultsBuildsTheRequestThroughTheHttpKind) {
  auto p = parse(R"([[hooks]]
name = "drain"
phase = "pre-stop"
http = "http://127.0.0.1:8080/admin/drain"
)");
  ASSERT_FALSE(p.diags.has_errors()) << p.text();
  ASSERT_EQ(p.hooks.size(), 1u);
  const auto* http = std::get_if<HttpAction>(&p.hooks[0].action);
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->url, "http://127.0.0.1:8080/admin/drain");
  EXPECT_EQ(http->method, "POST");
  EXPECT_EQ(http->expect_status, "200-399");
  ASSERT_NE(http->kind, nullptr);
  EXPECT_EQ(http->kind->type(), "http");
  EXPECT_NE(http->request, nullptr);
}

TEST(HookConfigTest, HttpHookKeepsExpandedValuesLiteral) {
  // ${DRAIN_TOKEN} expands to a value holding "$": it must not be expanded a second time
  // on its way to the http kind.
  auto p = parse(R"([[hooks]]
name = "drain"
phase = "pre-stop"
http = "http://127.0.0.1:8080/drain"
method = "PUT"
headers = { Authorization = "Bearer ${DRAIN_TOKEN}", X-Reason = "say \"bye\"" }
expect_status = "200,204"
)");
  ASSERT_FALSE(p.diags.has_errors()) << p.text();
  ASSERT_EQ(p.hooks.size(), 1u);
  const auto& http = std::get<HttpAction>(p.hooks[0].action);
  EXPECT_EQ(http.method, "PUT");
  EXPECT_THAT(http.headers,
              ElementsAre(Pair("Authorization", "Bearer t0k$n"), Pair("X-Reason", "say \"bye\"")));
  EXPECT_NE(http.request, nullptr);
}

TEST(HookConfigTest, HooksKeepFileOrder) {
  auto p = parse(R"([[hooks]]
name = "b"
phase = "pre-stop"
exec = ["true"]
[[hooks]]
name = "a"
phase = "pre-stop"
exec = ["true"]
)");
  ASSERT_FALSE(p.diags.has_errors()) << p.text();
  ASSERT_EQ(p.hooks.size(), 2u);
  EXPECT_EQ(p.hooks[0].name, "b");
  EXPECT_EQ(p.hooks[1].name, "a");
}

TEST(HookConfigTest, EveryPhaseNameRoundTrips) {
  for (auto phase :
       {HookPhase::pre_start, HookPhase::post_start, HookPhase::pre_stop, HookPhase::post_stop}) {
    EXPECT_EQ(parse_hook_phase(phase_name(phase)), phase);
  }
  EXPECT_EQ(parse_hook_phase("prestart"), std::nullopt);
}

// The first error's text, which must name the file, the line and the key.
struct ErrorCase {
  const char* what;
  std::string toml;
  std::string expected;  // a substring of the diagnostics
};

TEST(HookConfigTest, MistakesNameFileLineAndKey) {
  const std::vector<ErrorCase> cases = {
      {"both exec and http",
       "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nexec = [\"true\"]\n"
       "http = \"http://127.0.0.1:1/\"\n",
       "graced.toml:5: hooks[0].http: a hook runs either exec or http, not both"},
      {"neither exec nor http", "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\n",
       "graced.toml:1: hooks[0].exec: a hook needs exec"},
      {"bad phase", "[[hooks]]\nname = \"x\"\nphase = \"prestop\"\nexec = [\"true\"]\n",
       "graced.toml:3: hooks[0].phase: \"prestop\" is not a phase"},
      {"missing phase", "[[hooks]]\nname = \"x\"\nexec = [\"true\"]\n",
       "graced.toml:1: hooks[0].phase: every hook needs a phase"},
      {"fatal on pre-start",
       "[[hooks]]\nname = \"x\"\nphase = \"pre-start\"\nexec = [\"true\"]\nfatal = true\n",
       "graced.toml:5: hooks[0].fatal: only post-start hooks take fatal"},
      {"fatal on pre-stop",
       "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nfatal = false\nexec = [\"true\"]\n",
       "graced.toml:4: hooks[0].fatal: only post-start hooks take fatal"},
      {"missing name", "[[hooks]]\nphase = \"pre-stop\"\nexec = [\"true\"]\n",
       "graced.toml:1: hooks[0].name: every hook needs a name"},
      {"bad name", "[[hooks]]\nname = \"Drain Now\"\nphase = \"pre-stop\"\nexec = [\"true\"]\n",
       "graced.toml:2: hooks[0].name: \"Drain Now\" is not a valid hook name"},
      {"duplicate name",
       "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nexec = [\"true\"]\n"
       "[[hooks]]\nname = \"x\"\nphase = \"post-stop\"\nexec = [\"true\"]\n",
       "graced.toml:6: hooks[1].name: \"x\" is used by another hook"},
      {"zero timeout",
       "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nexec = [\"true\"]\ntimeout = \"0s\"\n",
       "graced.toml:5: hooks[0].timeout: must be greater than 0"},
      {"bad timeout",
       "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nexec = [\"true\"]\ntimeout = \"5\"\n",
       "graced.toml:5: hooks[0].timeout: \"5\" is not a duration"},
      {"empty command", "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nexec = []\n",
       "graced.toml:4: hooks[0].exec: the command is empty"},
      {"exec as a string", "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nexec = \"true\"\n",
       "graced.toml:4: hooks[0].exec: expected an array of strings"},
      {"http key on an exec hook",
       "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nexec = [\"true\"]\nmethod = \"GET\"\n",
       "graced.toml:5: hooks[0].method: only http hooks take method"},
      {"exec key on an http hook",
       "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nhttp = \"http://127.0.0.1:1/\"\n"
       "workdir = \"/tmp\"\n",
       "graced.toml:5: hooks[0].workdir: only exec hooks take workdir"},
      {"unknown key",
       "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nexec = [\"true\"]\ntimout = \"1s\"\n",
       "graced.toml:5: hooks[0].timout: unknown key (did you mean \"timeout\"?)"},
      // The http kind's own checks, reported on the hook's keys and lines.
      {"bad url scheme", "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nhttp = \"ftp://h/\"\n",
       "graced.toml:4: hooks[0].http: unsupported scheme"},
      {"bad method",
       "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nhttp = \"http://127.0.0.1:1/\"\n"
       "method = \"PO ST\"\n",
       "graced.toml:5: hooks[0].method: \"PO ST\" is not an HTTP method"},
      {"bad expect_status",
       "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nhttp = \"http://127.0.0.1:1/\"\n\n"
       "expect_status = \"2xx\"\n",
       "graced.toml:6: hooks[0].expect_status: \"2xx\""},
      {"reserved header",
       "[[hooks]]\nname = \"x\"\nphase = \"pre-stop\"\nhttp = \"http://127.0.0.1:1/\"\n"
       "headers = { Connection = \"keep-alive\" }\n",
       "graced.toml:5: hooks[0].headers: Connection is managed by graced"},
  };
  for (const auto& c : cases) {
    auto p = parse(c.toml);
    EXPECT_TRUE(p.diags.has_errors()) << c.what;
    EXPECT_THAT(p.text(), HasSubstr(c.expected)) << c.what;
    EXPECT_TRUE(p.hooks.empty() || p.hooks.size() == 1u) << c.what;
  }
}

TEST(HookConfigTest, AnInvalidHookIsLeftOutAndTheOthersKept) {
  auto p = parse(R"([[hooks]]
name = "good"
phase = "pre-stop"
exec = ["true"]
[[hooks]]
name = "bad"
phase = "sometime"
exec = ["true"]
)");
  EXPECT_TRUE(p.diags.has_errors());
  ASSERT_EQ(p.hooks.size(), 1u);
  EXPECT_EQ(p.hooks[0].name, "good");
}

TEST(HookConfigTest, PasswordInAUrlIsNotShownInAnError) {
  auto p = parse(R"([[hooks]]
name = "x"
phase = "pre-stop"
http = "http://admin:hunter2@127.0.0.1:99999/"
)");
  EXPECT_TRUE(p.diags.has_errors());
  EXPECT_THAT(p.text(), HasSubstr("graced.toml:4: hooks[0].http:"));
  EXPECT_THAT(p.text(), ::testing::Not(HasSubstr("hunter2")));
}

TEST(HookConfigTest, EmitShowsEveryKeyWithSecretsRedacted) {
  auto p = parse(R"([[hooks]]
name = "drain"
phase = "pre-stop"
timeout = "3s"
http = "http://admin:hunter2@127.0.0.1:8080/drain"
headers = { Authorization = "Bearer ${DRAIN_TOKEN}" }
[[hooks]]
name = "notify"
phase = "post-start"
fatal = true
exec = ["notify", "--api-key", "k3y"]
env = { API_TOKEN = "s3cret", MODE = "x" }
)");
  ASSERT_FALSE(p.diags.has_errors()) << p.text();
  config::Emitter e;
  emit_hooks_config(p.hooks, e.root());
  const std::string out = e.str();
  EXPECT_THAT(out, HasSubstr("[[hooks]]"));
  EXPECT_THAT(out, HasSubstr("name = 'drain'"));
  EXPECT_THAT(out, HasSubstr("phase = 'pre-stop'"));
  EXPECT_THAT(out, HasSubstr("timeout = '3s'"));
  EXPECT_THAT(out, HasSubstr("http = 'http://admin:<redacted>@127.0.0.1:8080/drain'"));
  EXPECT_THAT(out, HasSubstr("method = 'POST'"));
  EXPECT_THAT(out, HasSubstr("expect_status = '200-399'"));
  EXPECT_THAT(out, HasSubstr("phase = 'post-start'"));
  EXPECT_THAT(out, HasSubstr("fatal = true"));
  EXPECT_THAT(out, HasSubstr("MODE = 'x'"));
  for (const char* secret : {"hunter2", "t0k", "s3cret", "k3y"})
    EXPECT_THAT(out, ::testing::Not(HasSubstr(secret))) << out;
}

}  // namespace
}  // namespace graced::hooks
