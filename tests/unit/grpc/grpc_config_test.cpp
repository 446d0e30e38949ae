#include "grpc/grpc_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/schema.hpp"

namespace graced {
namespace {

using ::testing::HasSubstr;

struct Parsed {
  GrpcConfig config;
  config::Diagnostics diags;
  std::string errors() const {
    std::string out;
    for (const auto& d : diags.errors())
      out += d.str() + "\n";
    return out;
  }
};

Parsed parse(const std::string& toml) {
  Parsed p;
  config::Document doc;
  doc.load_string(toml, "t.toml", p.diags);
  const config::SectionSpec spec{"", "", {{"grpc", "table", "", ""}}};
  config::Section root = doc.root(spec, p.diags);
  p.config = parse_grpc_config(root);
  return p;
}

TEST(GrpcConfig, DefaultsServeOnTheHttpPortOnly) {
  auto p = parse("");
  EXPECT_EQ(p.errors(), "");
  EXPECT_EQ(p.config.listen, "");
  EXPECT_TRUE(p.config.services.empty());
  EXPECT_EQ(p.config.max_concurrent_streams, 100u);
  EXPECT_EQ(p.config.max_connections, 128u);
  EXPECT_EQ(p.config.idle_timeout, std::chrono::seconds(60));
}

TEST(GrpcConfig, ReadsEveryKey) {
  auto p = parse(R"([grpc]
listen = "[::]:8559"
services = { "user.v1.UserService" = "readiness", "db.v1.Db" = "db" }
max_concurrent_streams = 10
max_connections = 5
idle_timeout = "30s"
)");
  EXPECT_EQ(p.errors(), "");
  EXPECT_EQ(p.config.listen, "[::]:8559");
  EXPECT_THAT(p.config.services,
              ::testing::UnorderedElementsAre(
                  std::pair<std::string, std::string>{"user.v1.UserService", "readiness"},
                  std::pair<std::string, std::string>{"db.v1.Db", "db"}));
  EXPECT_EQ(p.config.max_concurrent_streams, 10u);
  EXPECT_EQ(p.config.max_connections, 5u);
  EXPECT_EQ(p.config.idle_timeout, std::chrono::seconds(30));
}

TEST(GrpcConfig, RejectsBadValues) {
  EXPECT_THAT(parse("[grpc]\nlisten = \"localhost:1\"").errors(), HasSubstr("grpc.listen"));
  EXPECT_THAT(parse("[grpc]\nmax_concurrent_streams = 0").errors(),
              HasSubstr("grpc.max_concurrent_streams"));
  EXPECT_THAT(parse("[grpc]\nidle_timeout = \"0s\"").errors(), HasSubstr("must be greater than 0"));
  EXPECT_THAT(parse("[grpc]\nservices = { readiness = \"db\" }").errors(),
              HasSubstr("is a probe name"));
  EXPECT_THAT(parse("[grpc]\nservices = { \"a b\" = \"db\" }").errors(),
              HasSubstr("is not a service name"));
  EXPECT_THAT(parse("[grpc]\nport = 1").errors(), HasSubstr("unknown key"));
}

TEST(GrpcConfig, ServiceTargetsMustBeProbesOrChecks) {
  auto p = parse("[grpc]\nservices = { a = \"readiness\", b = \"db\", c = \"\", d = \"nope\" }");
  ASSERT_EQ(p.errors(), "");
  config::Diagnostics diags;
  validate_grpc_services(p.config, {"db"}, diags);
  ASSERT_EQ(diags.errors().size(), 1u);
  EXPECT_EQ(diags.errors()[0].key, "grpc.services.d");
  EXPECT_THAT(diags.errors()[0].str(), HasSubstr("t.toml:2"));
  EXPECT_THAT(diags.errors()[0].message, HasSubstr("\"nope\" is neither a probe"));
}

TEST(GrpcConfig, EmitsWhatItRead) {
  auto p =
      parse("[grpc]\nlisten = \"127.0.0.1:9\"\nservices = { x = \"db\" }\nmax_connections = 7");
  config::Emitter e;
  emit_grpc_config(p.config, e.root());
  const std::string out = e.str();
  EXPECT_THAT(out, HasSubstr("[grpc]"));
  EXPECT_THAT(out, HasSubstr("listen = '127.0.0.1:9'"));
  EXPECT_THAT(out, HasSubstr("max_connections = 7"));
  EXPECT_THAT(out, HasSubstr("idle_timeout = '1m'"));
  EXPECT_THAT(out, HasSubstr("x = 'db'"));
}

TEST(GrpcConfig, EveryKeyIsDocumented) {
  const auto* spec = config::Schema::instance().find("grpc");
  ASSERT_NE(spec, nullptr);
  for (const char* key :
       {"listen", "services", "max_concurrent_streams", "max_connections", "idle_timeout"}) {
    const auto* k = spec->find(key);
    ASSERT_NE(k, nullptr) << key;
    EXPECT_FALSE(k->meaning.empty()) << key;
  }
}

}  // namespace
}  // namespace graced
