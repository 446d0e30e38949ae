#include "endpoints/health_endpoint.hpp"

#include <gtest/gtest.h>

namespace graced::endpoints {
namespace {

using health::CheckStatus;
using health::Probe;
using Query = std::vector<std::pair<std::string, std::string>>;

class HealthEndpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    health::CheckState db;
    db.name = "postgres";
    db.type = "postgres";
    db.probes = {Probe::readiness};
    db_ = health_.add_check(db);
    health::CheckState hb;
    hb.name = "heartbeat";
    hb.type = "file";
    hb.probes = {Probe::liveness};
    hb_ = health_.add_check(hb);
    health_.set_child_running(true);
  }

  void set(std::size_t i, CheckStatus s, std::string message = {}) {
    auto st = health_.checks()[i];
    st.status = s;
    st.message = std::move(message);
    if (s == CheckStatus::passing) st.ever_passed = true;
    health_.update_check(i, st);
  }

  Answer get(std::string_view path, Query query = {}, bool loopback = true,
             std::string_view method = "GET", std::string_view accept = "") {
    query_ = std::move(query);
    ProbeRequest req{method, path, &query_, accept, loopback};
    auto a = endpoint_.answer(req);
    EXPECT_TRUE(a.has_value()) << path;
    return a ? *a : Answer{};
  }

  static std::string header(const Answer& a, std::string_view name) {
    for (const auto& [k, v] : a.headers)
      if (k == name) return v;
    return "";
  }

  health::Health health_;
  std::size_t db_ = 0, hb_ = 0;
  Query query_;
  HealthEndpoint endpoint_{health_,
                           {{Probe::readiness, "/ready"}, {Probe::liveness, "/health/live"}},
                           ShowDetails::loopback};
};

TEST_F(HealthEndpointTest, ReadyzIs503UntilTheCheckPassesThen200Ok) {
  auto a = get("/readyz");
  EXPECT_EQ(a.status, 503);
  set(db_, CheckStatus::passing);
  a = get("/readyz");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body, "ok");
  EXPECT_EQ(header(a, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(header(a, "Cache-Control"), "no-store");
}

TEST_F(HealthEndpointTest, HealthzIsLivez) {
  set(db_, CheckStatus::passing);
  set(hb_, CheckStatus::failing, "stale");
  EXPECT_EQ(get("/livez").status, 503);
  EXPECT_EQ(get("/healthz").status, 503);
  set(hb_, CheckStatus::passing);
  EXPECT_EQ(get("/healthz").status, 200);
}

TEST_F(HealthEndpointTest, VerboseListsEveryEntryInKubeFormat) {
  set(db_, CheckStatus::failing, "connection refused");
  auto a = get("/readyz", {{"verbose", ""}});
  EXPECT_EQ(a.status, 503);
  EXPECT_NE(a.body.find("[+]process ok\n"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("[+]shutdown ok\n"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("[-]postgres failed: connection refused\n"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("heartbeat"), std::string::npos) << "not on readiness";
  EXPECT_TRUE(a.body.ends_with("readyz check failed\n")) << a.body;
}

TEST_F(HealthEndpointTest, UnknownCheckShowsQuestionMark) {
  auto a = get("/readyz", {{"verbose", "1"}});
  EXPECT_NE(a.body.find("[?]postgres unknown\n"), std::string::npos) << a.body;
}

TEST_F(HealthEndpointTest, MessagesWithheldFromNonLoopbackClients) {
  set(db_, CheckStatus::failing, "password authentication failed for user app");
  auto a = get("/readyz", {{"verbose", ""}}, /*loopback=*/false);
  EXPECT_NE(a.body.find("[-]postgres failed: reason withheld"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("authentication"), std::string::npos);
  auto j = get("/readyz", {{"format", "json"}}, false);
  EXPECT_EQ(j.body.find("authentication"), std::string::npos) << j.body;
}

TEST_F(HealthEndpointTest, ExcludeLeavesACheckOutOfTheVerdict) {
  set(db_, CheckStatus::passing);  // startup passed once
  set(db_, CheckStatus::failing, "down");
  auto a = get("/readyz", {{"verbose", ""}, {"exclude", "postgres"}});
  EXPECT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("[+]postgres excluded: ok"), std::string::npos) << a.body;
  EXPECT_TRUE(a.body.ends_with("readyz check passed\n"));
  auto b = get("/readyz", {{"verbose", ""}, {"exclude", "nosuch"}});
  EXPECT_NE(b.body.find("no matches for \"nosuch\""), std::string::npos) << b.body;
}

TEST_F(HealthEndpointTest, JsonShape) {
  set(db_, CheckStatus::passing);
  auto a = get("/readyz", {}, true, "GET", "application/json");
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(header(a, "Content-Type"), "application/json");
  EXPECT_TRUE(a.body.starts_with(R"({"probe":"readiness","status":"pass","checks":{)")) << a.body;
  EXPECT_NE(a.body.find(R"("postgres":{"status":"pass","type":"postgres","duration_ms":)"),
            std::string::npos)
      << a.body;
  EXPECT_NE(a.body.find(R"("consecutive_failures":0)"), std::string::npos);
  EXPECT_NE(a.body.find(R"("since":")"), std::string::npos);
}

TEST_F(HealthEndpointTest, PerCheckPaths) {
  set(db_, CheckStatus::failing, "refused");
  EXPECT_EQ(get("/readyz/postgres").status, 503);
  EXPECT_EQ(get("/readyz/heartbeat").status, 404) << "not on readiness";
  EXPECT_EQ(get("/livez/heartbeat").status, 200) << "unknown passes liveness";
  EXPECT_EQ(get("/readyz/nosuch").status, 404);
  set(db_, CheckStatus::passing);
  EXPECT_EQ(get("/readyz/postgres").status, 200);
  EXPECT_EQ(get("/readyz/shutdown").status, 200) << "graced's own entries have paths too";
}

TEST_F(HealthEndpointTest, AliasesAnswerLikeTheirProbe) {
  EXPECT_EQ(get("/ready").status, 503);
  set(db_, CheckStatus::passing);
  EXPECT_EQ(get("/ready").status, 200);
  EXPECT_EQ(get("/health/live").status, 200);
}

TEST_F(HealthEndpointTest, OtherMethodsAre405WithAllow) {
  auto a = get("/readyz", {}, true, "POST");
  EXPECT_EQ(a.status, 405);
  EXPECT_EQ(header(a, "Allow"), "GET, HEAD");
}

TEST_F(HealthEndpointTest, OtherPathsAreNotOurs) {
  query_.clear();
  ProbeRequest req{"GET", "/metricsz", &query_, "", true};
  EXPECT_FALSE(endpoint_.answer(req).has_value());
  ProbeRequest req2{"GET", "/readyzz", &query_, "", true};
  EXPECT_FALSE(endpoint_.answer(req2).has_value());
}

TEST_F(HealthEndpointTest, ShuttingDownShowsInVerbose) {
  set(db_, CheckStatus::passing);
  health_.set_shutting_down("draining");
  auto a = get("/readyz", {{"verbose", ""}});
  EXPECT_EQ(a.status, 503);
  EXPECT_NE(a.body.find("[-]shutdown failed: draining"), std::string::npos) << a.body;
  EXPECT_EQ(get("/livez").status, 200);
}

TEST_F(HealthEndpointTest, Rfc3339) {
  std::chrono::system_clock::time_point t{std::chrono::milliseconds(1700000000123)};
  EXPECT_EQ(rfc3339(t), "2023-11-14T22:13:20.123Z");
}

}  // namespace
}  // namespace graced::endpoints
