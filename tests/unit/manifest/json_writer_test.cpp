// The JSON writer: escaping, nesting, and comments left out.
#include "manifest/json_writer.hpp"

#include <gtest/gtest.h>

#include <string>

#include "manifest/value.hpp"

namespace graced::manifest {
namespace {

TEST(ManifestJson, StringEscapes) {
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("q\"b\\s/"), "\"q\\\"b\\\\s/\"");
  EXPECT_EQ(json_string("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(json_string(std::string("\x01\x1f", 2)), "\"\\u0001\\u001f\"");
  EXPECT_EQ(json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(json_string(std::string("a\0b", 3)), "\"a\\u0000b\"");
}

TEST(ManifestJson, Scalars) {
  EXPECT_EQ(to_json(Value()), "null\n");
  EXPECT_EQ(to_json(Value::boolean(false)), "false\n");
  EXPECT_EQ(to_json(Value::integer(-42)), "-42\n");
  EXPECT_EQ(to_json(Value::string("yes")), "\"yes\"\n");
  EXPECT_EQ(to_json(Value::map()), "{}\n");
  EXPECT_EQ(to_json(Value::list()), "[]\n");
}

TEST(ManifestJson, NestingKeepsOrderAndLeavesCommentsOut) {
  Value doc = Value::map();
  doc.comment("not in JSON");
  doc.set("z", Value::integer(1));
  Value& list = doc.set("a", Value::list());
  list.comment("nor this");
  list.push(Value::map()).set("k", Value::string("v"));
  list.push(Value::strings({"x", "y"}));
  Value& only_comments = doc.set("m", Value::map());
  only_comments.comment("empty once comments are gone");
  EXPECT_EQ(to_json(doc),
            "{\n"
            "  \"z\": 1,\n"
            "  \"a\": [\n"
            "    {\n"
            "      \"k\": \"v\"\n"
            "    },\n"
            "    [\n"
            "      \"x\",\n"
            "      \"y\"\n"
            "    ]\n"
            "  ],\n"
            "  \"m\": {}\n"
            "}\n");
}

TEST(ManifestValue, FindSkipsComments) {
  Value m = Value::map();
  m.comment("c");
  m.set("a", Value::integer(1));
  ASSERT_NE(m.find("a"), nullptr);
  EXPECT_EQ(m.find("a")->as_integer(), 1);
  EXPECT_EQ(m.find(""), nullptr);
  EXPECT_EQ(m.find("b"), nullptr);
  EXPECT_TRUE(m.has_content());
  EXPECT_EQ(m.size(), 1u);
  Value l = Value::list();
  l.comment("only");
  EXPECT_FALSE(l.has_content());
  l.push(Value::integer(7));
  l.comment("between");
  l.push(Value::integer(8));
  EXPECT_EQ(l.size(), 2u);
  EXPECT_EQ(l.at(1)->as_integer(), 8);
  EXPECT_EQ(l.at(2), nullptr);
}

TEST(ManifestValue, ReferencesSurviveLaterAdditions) {
  Value doc = Value::map();
  Value& first = doc.set("first", Value::list());
  for (int i = 0; i < 100; ++i)
    doc.set("k" + std::to_string(i), Value::integer(i));
  first.push(Value::string("still here"));
  EXPECT_EQ(doc.find("first")->at(0)->as_string(), "still here");
}

}  // namespace
}  // namespace graced::manifest
