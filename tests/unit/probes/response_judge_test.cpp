// Judging an HTTP response from its bytes, however they are split into reads.
#include "probes/http/response_judge.hpp"

#include <gtest/gtest.h>

namespace graced::probes {
namespace {

StatusRanges ranges(std::string_view text) {
  std::string error;
  return StatusRanges::parse(text, error).value();
}

// Feeds `response` in pieces of `piece` bytes; returns the first verdict, or the one the
// end of the connection gives.
CheckResult judge(const std::string& response, std::string expect_body = "",
                  std::size_t piece = 1 << 20, std::string_view status = "200-399") {
  ResponseJudge j(ranges(status), std::move(expect_body));
  for (std::size_t i = 0; i < response.size(); i += piece) {
    if (auto v = j.feed(std::string_view(response).substr(i, piece))) return *v;
  }
  return j.end("");
}

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world";

TEST(ResponseJudgeTest, StatusAloneDecidesAtTheEndOfTheHead) {
  ResponseJudge j(ranges("200-399"), "");
  EXPECT_FALSE(j.feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n").has_value());
  auto v = j.feed("\r\n");
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->ok);
  EXPECT_EQ(v->message, "HTTP 200");
}

TEST(ResponseJudgeTest, UnexpectedStatus) {
  auto v = judge("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.message, "HTTP 503 (expected 200-399)");
  EXPECT_EQ(judge(kOk, "", 1 << 20, "204").message, "HTTP 200 (expected 204)");
}

TEST(ResponseJudgeTest, BodyMatchInOneReadOrByteByByte) {
  EXPECT_TRUE(judge(kOk, "lo wo").ok);
  EXPECT_TRUE(judge(kOk, "lo wo", 1).ok);
  EXPECT_TRUE(judge(kOk, "hello world", 3).ok);
  auto miss = judge(kOk, "bye", 1);
  EXPECT_FALSE(miss.ok);
  EXPECT_EQ(miss.message, "body does not contain \"bye\"");
}

TEST(ResponseJudgeTest, ChunkedBody) {
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  EXPECT_TRUE(judge(chunked, "o w", 2).ok);
  EXPECT_EQ(judge(chunked, "xyz", 2).message, "body does not contain \"xyz\"");
}

TEST(ResponseJudgeTest, BodyUntilTheConnectionCloses) {
  const std::string unframed = "HTTP/1.0 200 OK\r\n\r\nall good";
  EXPECT_TRUE(judge(unframed, "good").ok);
  EXPECT_EQ(judge(unframed, "bad").message, "body does not contain \"bad\"");
}

TEST(ResponseJudgeTest, InterimResponsesAreSkipped) {
  const std::string r = "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n" + kOk;
  auto v = judge(r, "", 7);
  EXPECT_TRUE(v.ok);
  EXPECT_EQ(v.message, "HTTP 200");
}

TEST(ResponseJudgeTest, OnlyTheFirst64KiBOfTheBodyAreSearched) {
  const std::string body = std::string(ResponseJudge::kBodyLimit - 3, 'x') + "needle";
  const std::string r =
      "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  EXPECT_EQ(judge(r, "needle", 4096).message, "body does not contain \"needle\"");
  EXPECT_TRUE(judge(r, "xxxnee", 4096).ok);
}

TEST(ResponseJudgeTest, ConnectionEndingEarly) {
  ResponseJudge j(ranges("200-399"), "");
  EXPECT_EQ(j.end("").message, "connection closed before the HTTP response");
  ResponseJudge reset(ranges("200-399"), "");
  EXPECT_FALSE(reset.feed("HTTP/1.1 2").has_value());
  EXPECT_EQ(reset.end("connection reset by peer").message, "connection reset by peer");
  ResponseJudge body(ranges("200-399"), "end");
  EXPECT_FALSE(body.feed("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nno").has_value());
  EXPECT_EQ(body.end("").message, "body does not contain \"end\"");
}

TEST(ResponseJudgeTest, GarbageIsABadResponse) {
  auto v = judge("SSH-2.0-OpenSSH_9.2\r\n");
  EXPECT_FALSE(v.ok);
  EXPECT_EQ(v.message.rfind("bad HTTP response: ", 0), 0u) << v.message;
}

TEST(ResponseJudgeTest, LongExpectedTextIsShortenedInTheMessage) {
  const std::string wanted(60, 'a');
  EXPECT_EQ(judge(kOk, wanted).message,
            "body does not contain \"" + std::string(40, 'a') + "...\"");
}

}  // namespace
}  // namespace graced::probes
