#include "http/response_head.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

#include "http/peer.hpp"

namespace graced::http {
namespace {

TEST(HttpResponseHead, ServerOwnsFramingHeaders) {
  Response r{200,
             {{"Content-Type", "text/plain"},
              {"Content-Length", "999"},
              {"Transfer-Encoding", "chunked"},
              {"Connection", "keep-alive"}},
             "ok\n"};
  EXPECT_EQ(serialize_head(r, Framing{}),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n");
  Framing close;
  close.close = true;
  EXPECT_EQ(serialize_head(r, close),
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
            "Connection: close\r\n\r\n");
}

TEST(HttpResponseHead, HeadersThatCouldSplitTheResponseAreDropped) {
  Response r{503,
             {{"X-Ok", "fine"},
              {"X-Evil", "a\r\nSet-Cookie: x"},
              {"Bad Name", "v"},
              {"X:Colon", "v"},
              {"", "v"}},
             ""};
  EXPECT_EQ(serialize_head(r, Framing{}),
            "HTTP/1.1 503 Service Unavailable\r\nX-Ok: fine\r\nContent-Length: 0\r\n\r\n");
}

TEST(HttpResponseHead, ManyHeadersAreEachCheckedAndWrittenInOrder) {
  // Each header is checked when the head is measured and again when it is written: the
  // head is exactly the size it was measured to be, bad headers anywhere dropped.
  Response r{200, {}, "ok"};
  std::string expected = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 80; ++i) {
    const std::string name = "X-H" + std::to_string(i);
    const bool bad = i == 3 || i == 70;
    r.headers.emplace_back(name, bad ? "a\nb" : std::to_string(i * i));
    if (!bad) expected += name + ": " + std::to_string(i * i) + "\r\n";
  }
  r.headers.emplace_back("Content-Length", "1");
  expected += "Content-Length: 2\r\n\r\n";
  EXPECT_EQ(serialize_head(r, Framing{}), expected);
}

TEST(HttpResponseHead, NoContentLengthWhereNoBodyIsAllowed) {
  EXPECT_EQ(serialize_head(Response{204, {}, "ignored"}, Framing{}),
            "HTTP/1.1 204 No Content\r\n\r\n");
  EXPECT_EQ(serialize_head(Response{304, {}, ""}, Framing{}), "HTTP/1.1 304 Not Modified\r\n\r\n");
  EXPECT_FALSE(status_allows_body(100));
  EXPECT_TRUE(status_allows_body(404));
}

TEST(HttpResponseHead, ReasonPhrasesAndCloseRequests) {
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(599), "Unknown");
  EXPECT_TRUE(asks_to_close(Response{200, {{"connection", "Close"}}, ""}));
  EXPECT_FALSE(asks_to_close(Response{200, {{"Connection", "keep-alive"}}, ""}));
}

sockaddr_in v4(const char* text) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, text, &a.sin_addr);
  a.sin_port = htons(4242);
  return a;
}

sockaddr_in6 v6(const char* text) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  inet_pton(AF_INET6, text, &a.sin6_addr);
  return a;
}

bool loopback4(const char* text) {
  auto a = v4(text);
  return is_loopback(reinterpret_cast<const sockaddr*>(&a));
}

bool loopback6(const char* text) {
  auto a = v6(text);
  return is_loopback(reinterpret_cast<const sockaddr*>(&a));
}

TEST(HttpPeer, LoopbackCoversAllOf127SlashEightIpv6AndMappedAddresses) {
  EXPECT_TRUE(loopback4("127.0.0.1"));
  EXPECT_TRUE(loopback4("127.255.3.4"));
  EXPECT_FALSE(loopback4("128.0.0.1"));
  EXPECT_FALSE(loopback4("10.0.0.1"));
  EXPECT_TRUE(loopback6("::1"));
  EXPECT_TRUE(loopback6("::ffff:127.0.0.1"));
  EXPECT_TRUE(loopback6("::ffff:127.9.9.9"));
  EXPECT_FALSE(loopback6("::ffff:10.0.0.1"));
  EXPECT_FALSE(loopback6("::2"));
  EXPECT_FALSE(loopback6("fe80::1"));
  auto a = v4("127.0.0.1");
  auto peer = describe_peer(reinterpret_cast<const sockaddr*>(&a));
  EXPECT_EQ(peer.address, "127.0.0.1");
  EXPECT_EQ(peer.port, 4242);
  EXPECT_TRUE(peer.loopback);
}

}  // namespace
}  // namespace graced::http
