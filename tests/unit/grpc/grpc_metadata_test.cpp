#include "grpc/grpc_metadata.hpp"

#include <gtest/gtest.h>

namespace graced::grpc {
namespace {

using namespace std::chrono_literals;

TEST(GrpcTimeout, ParsesEveryUnitRoundingUpToMilliseconds) {
  EXPECT_EQ(parse_grpc_timeout("1H"), 3600000ms);
  EXPECT_EQ(parse_grpc_timeout("2M"), 120000ms);
  EXPECT_EQ(parse_grpc_timeout("5S"), 5000ms);
  EXPECT_EQ(parse_grpc_timeout("250m"), 250ms);
  EXPECT_EQ(parse_grpc_timeout("1500u"), 2ms);
  EXPECT_EQ(parse_grpc_timeout("1n"), 1ms);
  EXPECT_EQ(parse_grpc_timeout("0n"), 0ms);
  EXPECT_EQ(parse_grpc_timeout("99999999H"), 99999999LL * 3600000ms);
}

TEST(GrpcTimeout, RejectsMalformedValues) {
  for (const char* bad : {"", "S", "5", "5s", "5 S", "-5S", "123456789S", "1.5S", "5SS"}) {
    EXPECT_FALSE(parse_grpc_timeout(bad)) << bad;
  }
}

TEST(GrpcTimeout, FormatsTheShortestExactFormThatFits) {
  EXPECT_EQ(format_grpc_timeout(1000ms), "1000m");
  EXPECT_EQ(format_grpc_timeout(0ms), "0m");
  EXPECT_EQ(format_grpc_timeout(100000000ms), "100000S");
  EXPECT_EQ(parse_grpc_timeout(format_grpc_timeout(1234ms)), 1234ms);
}

TEST(GrpcMessage, PercentEncodesWhatIsNotPrintableAscii) {
  EXPECT_EQ(percent_encode_message("unknown service db"), "unknown service db");
  EXPECT_EQ(percent_encode_message("100%"), "100%25");
  EXPECT_EQ(percent_encode_message("caf\xc3\xa9\n"), "caf%C3%A9%0A");
  EXPECT_EQ(percent_decode_message("caf%C3%A9%0a"), "caf\xc3\xa9\n");
  // Lenient, as the spec asks: broken escapes pass through.
  EXPECT_EQ(percent_decode_message("50%"), "50%");
  EXPECT_EQ(percent_decode_message("%zz%4"), "%zz%4");
}

TEST(GrpcContentType, TellsGrpcFromOtherRequests) {
  EXPECT_EQ(classify_content_type("application/grpc"), ContentType::grpc);
  EXPECT_EQ(classify_content_type("application/grpc+proto"), ContentType::grpc);
  EXPECT_EQ(classify_content_type("Application/GRPC; charset=x"), ContentType::grpc);
  EXPECT_EQ(classify_content_type("application/grpc+json"), ContentType::unsupported);
  EXPECT_EQ(classify_content_type("application/grpc-web"), ContentType::not_grpc);
  EXPECT_EQ(classify_content_type("application/json"), ContentType::not_grpc);
  EXPECT_EQ(classify_content_type(""), ContentType::not_grpc);
}

}  // namespace
}  // namespace graced::grpc
