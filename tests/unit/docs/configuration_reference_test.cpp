// docs/configuration.md documents every key the parsers accept: its tables are generated
// from the same schema, and this test fails when they are stale (run `make docs`).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "config/reference.hpp"
#include "config/schema.hpp"
#include "daemon_config.hpp"

namespace graced::config {
namespace {

// Loading the defaults runs every section's parser, and with it its registration. (Not
// at static initialization: the parsers use globals of other files, constructed by then
// or not.)
void load_every_section() {
  (void)graced::load_config({std::nullopt, {}, {}, false});
}

std::string read_docs() {
  std::ifstream in(std::string(GRACED_SOURCE_DIR) + "/docs/configuration.md");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ConfigurationReference, DocsContainTheGeneratedTablesVerbatim) {
  load_every_section();
  const std::string docs = read_docs();
  ASSERT_FALSE(docs.empty()) << "docs/configuration.md is missing";
  const std::string begin = "<!-- BEGIN GENERATED: make docs -->\n";
  const std::string end = "<!-- END GENERATED -->\n";
  auto b = docs.find(begin);
  auto e = docs.find(end);
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(docs.substr(b + begin.size(), e - b - begin.size()), render_reference())
      << "docs/configuration.md is stale: run `make docs`";
}

TEST(ConfigurationReference, EveryKeyHasAMeaning) {
  for (const auto* s : Schema::instance().sections()) {
    for (const auto& k : s->keys) {
      if (s->name == "http.paths") continue;  // documented by http.paths itself
      EXPECT_FALSE(k.meaning.empty()) << s->name << "." << k.name;
      EXPECT_FALSE(k.type.empty()) << s->name << "." << k.name;
    }
  }
}

TEST(ConfigurationReference, CoreSectionsAreRegistered) {
  for (const char* name : {"process", "signals", "log", "http", "checks", "shutdown", "startup"}) {
    EXPECT_NE(Schema::instance().find(name), nullptr) << name;
  }
}

}  // namespace
}  // namespace graced::config
