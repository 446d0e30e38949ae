#include "grpc/health_service.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace graced::grpc {
namespace {

using health::CheckState;
using health::CheckStatus;
using health::Probe;

CheckState check(std::string name, health::ProbeSet probes, CheckStatus status) {
  CheckState s;
  s.name = std::move(name);
  s.type = "tcp";
  s.probes = probes;
  s.status = status;
  s.ever_passed = status == CheckStatus::passing;
  return s;
}

class HealthServiceTest : public ::testing::Test {
 protected:
  HealthServiceTest() {
    health_.add_check(check("db", {Probe::readiness}, CheckStatus::passing));
    health_.add_check(check("cache", {Probe::liveness}, CheckStatus::failing));
    health_.add_check(check("warmup", {Probe::readiness}, CheckStatus::unknown));
    health_.set_child_running(true);
  }
  health::Health health_;
  HealthService service_{health_,
                         {{"user.v1.UserService", "readiness"},
                          {"cache.v1.Cache", "cache"},
                          {"everything", ""},
                          {"gone", "no-such-check"}}};
};

TEST_F(HealthServiceTest, EmptyNameIsOverallReadiness) {
  // warmup has no result yet: not ready.
  EXPECT_EQ(service_.status_of(""), ServingStatus::not_serving);
  auto s = check("warmup", {Probe::readiness}, CheckStatus::passing);
  health_.update_check(2, s);
  EXPECT_EQ(service_.status_of(""), ServingStatus::serving);
  health_.set_shutting_down("draining");
  EXPECT_EQ(service_.status_of(""), ServingStatus::not_serving);
}

TEST_F(HealthServiceTest, ProbeNamesAnswerForThatProbe) {
  health_.update_check(2, check("warmup", {Probe::readiness}, CheckStatus::passing));
  EXPECT_EQ(service_.status_of("readiness"), ServingStatus::serving);
  EXPECT_EQ(service_.status_of("liveness"), ServingStatus::not_serving);
  EXPECT_EQ(service_.status_of("startup"), ServingStatus::serving);
}

TEST_F(HealthServiceTest, CheckNamesAnswerForTheCheckItself) {
  EXPECT_EQ(service_.status_of("db"), ServingStatus::serving);
  EXPECT_EQ(service_.status_of("cache"), ServingStatus::not_serving);
  // Unknown is not passing, even where liveness would count it so.
  EXPECT_EQ(service_.status_of("warmup"), ServingStatus::not_serving);
}

TEST_F(HealthServiceTest, MappedNamesAnswerForWhatTheyMapTo) {
  EXPECT_EQ(service_.status_of("user.v1.UserService"), service_.status_of("readiness"));
  EXPECT_EQ(service_.status_of("cache.v1.Cache"), ServingStatus::not_serving);
  EXPECT_EQ(service_.status_of("everything"), service_.status_of(""));
  // A mapping to a name that stands for nothing is unknown like any unknown name.
  EXPECT_EQ(service_.status_of("gone"), std::nullopt);
  EXPECT_EQ(service_.status_of("nope"), std::nullopt);
}

TEST_F(HealthServiceTest, ListHasEveryNameCheckAnswersSorted) {
  std::vector<std::string> names;
  for (const auto& [name, status] : service_.list())
    names.push_back(name);
  EXPECT_THAT(names,
              ::testing::ElementsAre("", "cache", "cache.v1.Cache", "db", "everything", "liveness",
                                     "readiness", "startup", "user.v1.UserService", "warmup"));
}

}  // namespace
}  // namespace graced::grpc
