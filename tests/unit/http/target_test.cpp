#include "http/target.hpp"

#include <gtest/gtest.h>

namespace graced::http {
namespace {

TEST(HttpTarget, DecodesPathAndKeepsRepeatedQueryKeysInOrder) {
  auto t = parse_target("/ready%7Ez?exclude=db&verbose&exclude=redis%20main&x=a+b");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/ready~z");
  Fields expected{{"exclude", "db"}, {"verbose", ""}, {"exclude", "redis main"}, {"x", "a b"}};
  EXPECT_EQ(t->query, expected);
}

TEST(HttpTarget, PlusIsASpaceOnlyInTheQuery) {
  auto t = parse_target("/a+b?k+1=v+2");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/a+b");
  EXPECT_EQ(t->query, (Fields{{"k 1", "v 2"}}));
}

TEST(HttpTarget, AbsoluteAndAsteriskForms) {
  auto t = parse_target("http://example:8558/livez?verbose");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/livez");
  EXPECT_EQ(t->query, (Fields{{"verbose", ""}}));
  EXPECT_EQ(parse_target("http://example:8558")->path, "/");
  EXPECT_EQ(parse_target("*")->path, "*");
}

TEST(HttpTarget, EmptyPiecesAndFragmentsAreDropped) {
  auto t = parse_target("/p?&&a=1&#frag");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->path, "/p");
  EXPECT_EQ(t->query, (Fields{{"a", "1"}}));
  EXPECT_TRUE(parse_target("/p?")->query.empty());
}

TEST(HttpTarget, MalformedEscapesAreRejected) {
  for (const char* bad : {"/%", "/%4", "/%zz", "/a?%g0=1", "/a?k=%2", "/a?k=%"}) {
    EXPECT_FALSE(parse_target(bad)) << bad;
  }
  EXPECT_EQ(*percent_decode("%41%62%2f%2F", false), "Ab//");
}

}  // namespace
}  // namespace graced::http
