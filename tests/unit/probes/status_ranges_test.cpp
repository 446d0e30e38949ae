// expect_status of the http check: codes, ranges and lists.
#include "probes/http/status_ranges.hpp"

#include <gtest/gtest.h>

namespace graced::probes {
namespace {

StatusRanges parse(std::string_view text) {
  std::string error;
  auto r = StatusRanges::parse(text, error);
  EXPECT_TRUE(r.has_value()) << text << ": " << error;
  return r.value_or(StatusRanges{});
}

std::string error_of(std::string_view text) {
  std::string error;
  EXPECT_FALSE(StatusRanges::parse(text, error).has_value()) << text;
  return error;
}

TEST(StatusRangesTest, DefaultRange) {
  auto r = parse("200-399");
  EXPECT_FALSE(r.contains(199));
  EXPECT_TRUE(r.contains(200));
  EXPECT_TRUE(r.contains(302));
  EXPECT_TRUE(r.contains(399));
  EXPECT_FALSE(r.contains(400));
  EXPECT_EQ(r.str(), "200-399");
}

TEST(StatusRangesTest, SingleCode) {
  auto r = parse("200");
  EXPECT_TRUE(r.contains(200));
  EXPECT_FALSE(r.contains(201));
  EXPECT_EQ(r.str(), "200");
}

TEST(StatusRangesTest, ListOfCodesAndRanges) {
  auto r = parse("200,204");
  EXPECT_TRUE(r.contains(204));
  EXPECT_FALSE(r.contains(202));
  auto mixed = parse(" 200-299 , 404 ");
  EXPECT_TRUE(mixed.contains(250));
  EXPECT_TRUE(mixed.contains(404));
  EXPECT_FALSE(mixed.contains(403));
  EXPECT_EQ(mixed.str(), "200-299,404");
  EXPECT_EQ(parse("500-500").str(), "500");
}

TEST(StatusRangesTest, Errors) {
  EXPECT_EQ(error_of("2xx"),
            "\"2xx\" is not a status code (100-599) or range (e.g. \"200-399\", \"200,204\")");
  EXPECT_NE(error_of(""), "");
  EXPECT_NE(error_of("200,"), "");
  EXPECT_NE(error_of("99"), "");
  EXPECT_NE(error_of("600"), "");
  EXPECT_NE(error_of("200-"), "");
  EXPECT_NE(error_of("2000"), "");
  EXPECT_NE(error_of("200-300-400"), "");
  EXPECT_EQ(error_of("399-200"), "\"399-200\" is an empty range (write the lower code first)");
}

}  // namespace
}  // namespace graced::probes
