#include "protocols/http/response_writer.h"

#include <gtest/gtest.h>

#include "protocols/http/date_cache.h"
#include "protocols/http/status.h"

namespace archbench::http {
namespace {

using std::chrono::seconds;
using std::chrono::milliseconds;
using WallClock = std::chrono::system_clock;

// RFC 9110's own example: Sun, 06 Nov 1994 08:49:37 GMT.
const WallClock::time_point kRfcExample{seconds(784111777)};

Response hello() {
  Response r;
  r.content_type = "text/plain";
  r.body = "Hello World";
  return r;
}

TEST(ResponseWriter, ExactBytesOfASimpleResponse) {
  ResponseWriter writer("archbench/test");
  std::string out;
  writer.write(hello(), {}, kRfcExample, out);
  EXPECT_EQ(out,
            "HTTP/1.1 200 OK\r\n"
            "Server: archbench/test\r\n"
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 11\r\n"
            "\r\n"
            "Hello World");
}

TEST(ResponseWriter, AppendsAfterWhatIsAlreadyThere) {
  ResponseWriter writer("s");
  std::string single;
  writer.write(hello(), {}, kRfcExample, single);
  std::string out = "EARLIER";
  writer.write(hello(), {}, kRfcExample, out);
  writer.write(hello(), {}, kRfcExample, out);
  EXPECT_EQ(out, "EARLIER" + single + single);
}

TEST(ResponseWriter, CloseAndKeepAliveHeaders) {
  ResponseWriter writer("s");
  std::string closing, http10, http11;
  writer.write(hello(), {.head = false, .close = true, .version_minor = 1}, kRfcExample, closing);
  writer.write(hello(), {.head = false, .close = false, .version_minor = 0}, kRfcExample, http10);
  writer.write(hello(), {.head = false, .close = false, .version_minor = 1}, kRfcExample, http11);
  EXPECT_NE(closing.find("\r\nConnection: close\r\n\r\nHello World"), std::string::npos);
  EXPECT_NE(http10.find("\r\nConnection: keep-alive\r\n\r\n"), std::string::npos);
  EXPECT_EQ(http11.find("Connection:"), std::string::npos);
}

TEST(ResponseWriter, HeadHasContentLengthButNoBody) {
  ResponseWriter writer("s");
  std::string out;
  writer.write(hello(), {.head = true}, kRfcExample, out);
  EXPECT_NE(out.find("Content-Length: 11\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(ResponseWriter, ContentLengthOverrideForUnbuiltBodies) {
  ResponseWriter writer("s");
  Response r;
  r.content_length = 2000000;
  std::string out;
  writer.write(r, {.head = true}, kRfcExample, out);
  EXPECT_NE(out.find("Content-Length: 2000000\r\n"), std::string::npos);
}

TEST(ResponseWriter, NoContentLengthOn204And101) {
  ResponseWriter writer("s");
  Response no_content;
  no_content.status = 204;
  no_content.body = "ignored";
  std::string out;
  writer.write(no_content, {}, kRfcExample, out);
  EXPECT_EQ(out.rfind("HTTP/1.1 204 No Content\r\n", 0), 0u);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");

  Response switching;
  switching.status = 101;
  switching.headers = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"},
                       {"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}};
  std::string up;
  writer.write(switching, {.version_minor = 0}, kRfcExample, up);
  EXPECT_EQ(up,
            "HTTP/1.1 101 Switching Protocols\r\nServer: s\r\n"
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
}

TEST(ResponseWriter, ExtraHeadersInOrderIncludingSetCookie) {
  ResponseWriter writer("s");
  Response r = hello();
  r.headers = {{"Set-Cookie", "a=1; Path=/"}, {"Set-Cookie", "b=2"}, {"Allow", "GET, HEAD"}};
  std::string out;
  writer.write(r, {}, kRfcExample, out);
  EXPECT_NE(out.find("Content-Length: 11\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2\r\n"
                     "Allow: GET, HEAD\r\n\r\n"),
            std::string::npos);
}

TEST(ResponseWriter, ContinueLine) {
  std::string out;
  ResponseWriter::write_continue(out);
  EXPECT_EQ(out, "HTTP/1.1 100 Continue\r\n\r\n");
}

TEST(ResponseWriter, StatusLinesOfErrors) {
  ResponseWriter writer("s");
  for (auto [status, line] : std::vector<std::pair<int, std::string>>{
           {400, "HTTP/1.1 400 Bad Request\r\n"},
           {413, "HTTP/1.1 413 Content Too Large\r\n"},
           {414, "HTTP/1.1 414 URI Too Long\r\n"},
           {431, "HTTP/1.1 431 Request Header Fields Too Large\r\n"},
           {501, "HTTP/1.1 501 Not Implemented\r\n"},
           {505, "HTTP/1.1 505 HTTP Version Not Supported\r\n"},
           {799, "HTTP/1.1 799 Unknown\r\n"}}) {
    Response r;
    r.status = status;
    std::string out;
    writer.write(r, {.close = true}, kRfcExample, out);
    EXPECT_EQ(out.rfind(line, 0), 0u) << status;
  }
}

TEST(DateCache, FormatsImfFixdate) {
  EXPECT_EQ(format_imf_fixdate(WallClock::time_point{}), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(format_imf_fixdate(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
  // 2000-02-29 23:59:59 UTC, a leap day.
  EXPECT_EQ(format_imf_fixdate(WallClock::time_point{seconds(951868799)}),
            "Tue, 29 Feb 2000 23:59:59 GMT");
}

TEST(DateCache, FormatsAtMostOncePerSecond) {
  DateCache cache;
  for (int ms = 0; ms < 1000; ms += 50) {
    EXPECT_EQ(cache.get(kRfcExample + milliseconds(ms)), "Sun, 06 Nov 1994 08:49:37 GMT");
  }
  EXPECT_EQ(cache.format_count(), 1u);
  EXPECT_EQ(cache.get(kRfcExample + milliseconds(1000)), "Sun, 06 Nov 1994 08:49:38 GMT");
  EXPECT_EQ(cache.format_count(), 2u);
  EXPECT_EQ(cache.get(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");  // clock stepped back
  EXPECT_EQ(cache.format_count(), 3u);
}

TEST(Status, ReasonPhrases) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(405), "Method Not Allowed");
  EXPECT_EQ(reason_phrase(12), "Unknown");
  EXPECT_TRUE(status_has_no_content(100));
  EXPECT_TRUE(status_has_no_content(204));
  EXPECT_TRUE(status_has_no_content(304));
  EXPECT_FALSE(status_has_no_content(200));
}

}  // namespace
}  // namespace archbench::http
