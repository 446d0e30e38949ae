// graced reads libpq connection strings itself (the static build has no libpq); here its
// answers are held to libpq's own PQconninfoParse: the same options for what libpq
// accepts, the same error for what it rejects.
#include "probes/postgres/conninfo_parser.hpp"

#include <gtest/gtest.h>
#include <postgresql/libpq-fe.h>

#include <map>
#include <string>
#include <vector>

namespace graced::probes {
namespace {

struct Parsed {
  bool ok = false;
  std::map<std::string, std::string> options;
  std::string error;
};

Parsed by_libpq(const std::string& text) {
  Parsed out;
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &error);
  if (!options) {
    out.error = error ? error : "";
    PQfreemem(error);
    while (!out.error.empty() && out.error.back() == '\n')
      out.error.pop_back();
    return out;
  }
  out.ok = true;
  for (const PQconninfoOption* o = options; o->keyword; ++o) {
    if (o->val) out.options[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  return out;
}

Parsed by_graced(const std::string& text) {
  Parsed out;
  auto options = parse_conninfo_text(text, out.error);
  if (!options) return out;
  out.ok = true;
  for (const auto& [k, v] : *options) {
    EXPECT_FALSE(out.options.contains(k)) << "keyword twice: " << k;
    out.options[k] = v;
  }
  return out;
}

TEST(PostgresConninfoParserTest, KnowsLibpqsKeywords) {
  std::vector<std::string> libpq;
  PQconninfoOption* defaults = PQconndefaults();
  for (const PQconninfoOption* o = defaults; o->keyword; ++o)
    libpq.emplace_back(o->keyword);
  PQconninfoFree(defaults);
  const std::vector<std::string> ours(conninfo_keywords().begin(), conninfo_keywords().end());
  EXPECT_EQ(ours, libpq);
}

TEST(PostgresConninfoParserTest, AgreesWithLibpq) {
  const std::vector<std::string> cases = {
      // URLs
      "postgresql://",
      "postgres://db",
      "postgresql://app:s3cret@db.internal:5432/app",
      "postgresql://app@db/app?sslmode=require&application_name=probe",
      "postgresql://app:p@ss@db/x",
      "postgresql://u:p%40ss%3Aw%2Fd@db/x",
      "postgresql://u:sec%zzret@db/x",
      "postgresql://u:sec%2@db/x",
      "postgresql://u:a%00b@db/x",
      "postgresql://:pw@db/x",
      "postgresql://u:@db/x",
      "postgresql://db:99999/x",
      "postgresql://a:1,b:2,c/x",
      "postgresql://a,b:7/x",
      "postgresql://[::1]:5432/x",
      "postgresql://[::1],[fe80::1]:7/x",
      "postgresql://[::1/x",
      "postgresql://[]/x",
      "postgresql://[::1]x/y",
      "postgresql:///app?host=/var/run/postgresql",
      "postgresql://%2Fvar%2Frun%2Fpostgresql/app",
      "postgresql://db/",
      "postgresql://db?",
      "postgresql://db/x?",
      "postgresql://db/x?&",
      "postgresql://db/x?a",
      "postgresql://db/x?a=1=2",
      "postgresql://db/x?bogus=1",
      "postgresql://db/x?ssl=true",
      "postgresql://db/x?ssl=false",
      "postgresql://db/x?requiressl=1",
      "postgresql://db/x?requiressl=0",
      "postgresql://db/x?port=6000&port=7000",
      "postgresql://db/x?%75ser=app",
      "postgresql://db/x?user=a%zz",
      "postgresql://db/x?connect_timeout=3&host=other",
      "postgresql://db/my%20db?options=-c%20statement_timeout%3D5s",
      "postgresql://u@h:p/d",
      // key=value
      "",
      "   ",
      "host=db",
      "host=db port=5432 user=app dbname=app password=secret",
      "host = db   port= 5432",
      "host=db bogus=1",
      "host=db password=ss wo-rd",
      "password='it\\'s secret' user=app",
      "password='unterminated",
      "password='ends in backslash\\",
      "password=a\\ b user=c",
      "password=trailing\\",
      "password='x'user=y",
      "host",
      "host db",
      "=x",
      "host=a,b port=1,2,3",
      "host=a host=b",
      "requiressl=1",
      "requiressl=yes",
      "service=app",
      "host=db\tport=1\nuser=u",
      "dbname=postgresql://inner/x",
  };
  for (const auto& text : cases) {
    const Parsed expected = by_libpq(text);
    const Parsed actual = by_graced(text);
    EXPECT_EQ(actual.ok, expected.ok) << text << "\n libpq: " << expected.error;
    EXPECT_EQ(actual.options, expected.options) << text;
    EXPECT_EQ(actual.error, expected.error) << text;
  }
}

TEST(PostgresConninfoParserTest, KeepsTheOrderFirstGivenAndTheLastValue) {
  std::string error;
  auto options = parse_conninfo_text("user=a host=h user=b", error);
  ASSERT_TRUE(options) << error;
  EXPECT_EQ(*options, (ConnOptions{{"user", "b"}, {"host", "h"}}));
}

}  // namespace
}  // namespace graced::probes
