#include "grpc/http_bridge.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "http/h2_preface.hpp"

namespace graced::grpc {
namespace {

using ::testing::Contains;
using ::testing::Not;
using Field = std::pair<std::string, std::string>;
using http::kH2Preface;
using http::match_h2_preface;
using http::PrefaceMatch;

TEST(HttpBridge, RequestKeepsPathQueryHeadersAndPeer) {
  H2RequestHead head{"GET", "/readyz?verbose&exclude=db", "pod:8558", {{"accept", "text/plain"}}};
  http::Peer peer{"127.0.0.1", 4242, true};
  auto req = to_http_request(head, "", peer);
  ASSERT_TRUE(req);
  EXPECT_EQ(req->method, "GET");
  EXPECT_EQ(req->path, "/readyz");
  EXPECT_EQ(req->query_param("exclude"), "db");
  EXPECT_TRUE(req->query_param("verbose"));
  EXPECT_EQ(req->header("host"), "pod:8558");
  EXPECT_EQ(req->header("accept"), "text/plain");
  EXPECT_EQ(req->http_major, 2);
  EXPECT_TRUE(req->peer_is_loopback);
  EXPECT_EQ(req->peer_port, 4242);
}

TEST(HttpBridge, MalformedTargetIsRefused) {
  EXPECT_FALSE(to_http_request({"GET", "/readyz%zz", "", {}}, "", {}));
}

TEST(HttpBridge, ResponseDropsConnectionSpecificAndBrokenFields) {
  http::Response r{503,
                   {{"Content-Type", "text/plain"},
                    {"Connection", "close"},
                    {"Transfer-Encoding", "chunked"},
                    {"Content-Length", "999"},
                    {"X-Split", "a\r\nInjected: yes"},
                    {"Bad Name", "x"},
                    {"Cache-Control", "no-store"}},
                   "not ready\n"};
  auto h2 = to_h2_response(r, false);
  EXPECT_EQ(h2.fields.front(), (Field{":status", "503"}));
  EXPECT_THAT(h2.fields, Contains(Field{"content-type", "text/plain"}));
  EXPECT_THAT(h2.fields, Contains(Field{"cache-control", "no-store"}));
  EXPECT_THAT(h2.fields, Contains(Field{"content-length", "10"}));
  EXPECT_THAT(h2.fields, Not(Contains(Field{"connection", "close"})));
  EXPECT_THAT(h2.fields, Not(Contains(Field{"transfer-encoding", "chunked"})));
  EXPECT_THAT(h2.fields, Not(Contains(Field{"content-length", "999"})));
  for (const auto& f : h2.fields) {
    EXPECT_NE(f.first, "x-split");
    EXPECT_NE(f.first, "bad name");
  }
  EXPECT_EQ(h2.body, "not ready\n");
}

TEST(HttpBridge, HeadAndBodilessStatusesSendNoBody) {
  auto head = to_h2_response({200, {}, "ok"}, true);
  EXPECT_EQ(head.body, "");
  EXPECT_THAT(head.fields, Contains(Field{"content-length", "2"}));
  auto no_content = to_h2_response({204, {}, "ignored"}, false);
  EXPECT_EQ(no_content.body, "");
  for (const auto& f : no_content.fields)
    EXPECT_NE(f.first, "content-length");
}

TEST(H2Preface, TellsHttp2FromHttp1ByTheFirstBytes) {
  EXPECT_EQ(match_h2_preface(""), PrefaceMatch::partial);
  EXPECT_EQ(match_h2_preface("PRI * HTTP/2"), PrefaceMatch::partial);
  EXPECT_EQ(match_h2_preface("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), PrefaceMatch::full);
  EXPECT_EQ(match_h2_preface(std::string(kH2Preface) + "\x00\x00\x12\x04"), PrefaceMatch::full);
  EXPECT_EQ(match_h2_preface("GET /readyz HTTP/1.1\r\n"), PrefaceMatch::no);
  EXPECT_EQ(match_h2_preface("PRIX"), PrefaceMatch::no);
}

}  // namespace
}  // namespace graced::grpc
