#include "grpc/health_codec.hpp"

#include <gtest/gtest.h>

#include <string>

namespace graced::grpc {
namespace {

using namespace std::string_literals;

std::optional<std::string> service(const std::string& wire, std::string* why = nullptr) {
  std::string error;
  auto r = decode_health_check_request(wire, error);
  if (why) *why = error;
  if (!r) return std::nullopt;
  return r->service;
}

TEST(HealthCodec, RequestRoundTrips) {
  EXPECT_EQ(encode_health_check_request({""}), "");  // proto3 leaves "" out
  EXPECT_EQ(encode_health_check_request({"db"}),
            "\x0a\x02"
            "db");
  EXPECT_EQ(service(""), "");
  EXPECT_EQ(service("\x0a\x02"
                    "db"),
            "db");
  const std::string long_name(300, 'n');
  EXPECT_EQ(service(encode_health_check_request({long_name})), long_name);
}

TEST(HealthCodec, RequestSkipsUnknownFieldsOfEveryWireType) {
  const std::string wire =
      "\x10\x96\x01"s                          // field 2 varint 150
      "\x19\x01\x02\x03\x04\x05\x06\x07\x08"s  // field 3 fixed64
      "\x22\x03xyz"s                           // field 4 bytes
      "\x2d\x01\x02\x03\x04"s                  // field 5 fixed32
      "\x33\x08\x01\x34"s                      // field 6 group holding a varint
      "\x0a\x02"
      "db"s;
  EXPECT_EQ(service(wire), "db");
  // A known field with another wire type is an unknown field, as protobuf treats it.
  EXPECT_EQ(service("\x08\x05\x0a\x01x"s), "x");
  // The last occurrence of a singular field wins.
  EXPECT_EQ(service("\x0a\x01"
                    "a\x0a\x01"
                    "b"s),
            "b");
  // Nested groups.
  EXPECT_EQ(service("\x33\x3b\x08\x01\x3c\x34\x0a\x01z"s), "z");
}

TEST(HealthCodec, RequestRejectsMalformedInput) {
  std::string why;
  EXPECT_FALSE(
      service("\x0a\x05"
              "ab"s,
              &why));
  EXPECT_EQ(why, "length runs past the end of the message");
  EXPECT_FALSE(service("\x0a"s, &why));
  EXPECT_EQ(why, "truncated varint");
  EXPECT_FALSE(service(std::string(11, '\xff'), &why));
  EXPECT_EQ(why, "varint overflows 64 bits");
  EXPECT_FALSE(service("\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f"s, &why));
  EXPECT_FALSE(service("\x00\x01"s, &why));
  EXPECT_EQ(why, "invalid field number");
  EXPECT_FALSE(service("\x34"s, &why));
  EXPECT_EQ(why, "end of a group that was not started");
  EXPECT_FALSE(service("\x33\x08\x01"s, &why));
  EXPECT_EQ(why, "unterminated group");
  EXPECT_FALSE(service("\x33\x3c"s, &why));
  EXPECT_EQ(why, "mismatched end of group");
  EXPECT_FALSE(service("\x0e"s, &why));  // wire type 6
  EXPECT_EQ(why, "invalid wire type");
  EXPECT_FALSE(service("\x19\x01\x02"s, &why));
  EXPECT_EQ(why, "truncated fixed-width field");
  EXPECT_FALSE(service("\x0a\x02\xc3\x28"s, &why));
  EXPECT_EQ(why, "service is not valid UTF-8");
  std::string deep;
  for (int i = 0; i < 70; ++i)
    deep += "\x13";  // field 2, start group, nested 70 deep
  EXPECT_FALSE(service(deep, &why));
  EXPECT_EQ(why, "groups nested too deeply");
}

TEST(HealthCodec, Utf8IsCheckedStrictly) {
  EXPECT_TRUE(service(encode_health_check_request({"caf\xc3\xa9 \xf0\x9f\x99\x82"})));
  for (const std::string& bad :
       {"\xc0\xaf"s, "\xed\xa0\x80"s, "\xf4\x90\x80\x80"s, "\xe2\x82"s, "\xff"s}) {
    EXPECT_FALSE(service(encode_health_check_request({bad}))) << bad;
  }
}

TEST(HealthCodec, ResponseEncodesTheStatus) {
  EXPECT_EQ(encode_health_check_response(ServingStatus::unknown), "");
  EXPECT_EQ(encode_health_check_response(ServingStatus::serving), "\x08\x01");
  EXPECT_EQ(encode_health_check_response(ServingStatus::not_serving), "\x08\x02");
  EXPECT_EQ(encode_health_check_response(ServingStatus::service_unknown), "\x08\x03");
  std::string error;
  EXPECT_EQ(decode_health_check_response("\x08\x02", error), 2);
  EXPECT_EQ(decode_health_check_response("", error), 0);
  EXPECT_EQ(decode_health_check_response("\x12\x01x\x08\x01", error), 1);
  // A negative enum value travels as a 10-byte varint.
  EXPECT_EQ(decode_health_check_response("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"s, error),
            -1);
  EXPECT_FALSE(decode_health_check_response("\x08", error));
}

TEST(HealthCodec, ListResponseIsAMapOfMessages) {
  const std::string wire = encode_health_list_response(
      {{"", ServingStatus::serving}, {"db", ServingStatus::not_serving}});
  // entry 1: key "" (left in: a map key is a field like any), value {status: 1}
  EXPECT_EQ(wire,
            "\x0a\x06\x0a\x00\x12\x02\x08\x01"
            "\x0a\x08\x0a\x02"
            "db\x12\x02\x08\x02"s);
  std::string error;
  auto back = decode_health_list_response(wire, error);
  ASSERT_TRUE(back) << error;
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0], (std::pair<std::string, std::int32_t>{"", 1}));
  EXPECT_EQ((*back)[1], (std::pair<std::string, std::int32_t>{"db", 2}));
  EXPECT_FALSE(decode_health_list_response("\x0a\x03\x0a\x05x"s, error));
}

TEST(HealthCodec, ListRequestIsOnlyCheckedForWellFormedness) {
  std::string error;
  EXPECT_TRUE(decode_health_list_request("", error));
  EXPECT_TRUE(decode_health_list_request("\x08\x01\x12\x00"s, error));
  EXPECT_FALSE(decode_health_list_request("\x12\x05"s, error));
}

TEST(HealthCodec, StatusNames) {
  EXPECT_EQ(serving_status_name(ServingStatus::serving), "SERVING");
  EXPECT_EQ(serving_status_name(ServingStatus::not_serving), "NOT_SERVING");
  EXPECT_EQ(serving_status_name(ServingStatus::service_unknown), "SERVICE_UNKNOWN");
  EXPECT_EQ(serving_status_name(0), "UNKNOWN");
  EXPECT_EQ(serving_status_name(7), "7");
}

}  // namespace
}  // namespace graced::grpc
