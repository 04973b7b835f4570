// reactor: the header read timeout (--header-timeout-ms) over real sockets. The reactor frames
// HTTP in its reactor threads (inbound_splitter.cc), not in HttpSession, so it keeps the clock
// itself; these tests check it answers what every other architecture answers.
//
// Timing: only lower bounds that follow from causality (the server cannot time out before the
// limit has passed since the client sent its first byte) and generous upper bounds.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "protocols/http/response_parser.h"
#include "servers/reactor/reactor_test_support.h"

namespace archbench::reactor::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

const std::string kGetRoot = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";

// Every complete response in `bytes`, in order.
std::vector<http::ParsedResponse> parse_all(std::string_view bytes) {
  std::vector<http::ParsedResponse> out;
  http::ResponseParser parser;
  while (!bytes.empty()) {
    const auto r = parser.feed(bytes);
    bytes.remove_prefix(r.consumed);
    if (r.status != http::ResponseParser::Status::kComplete) break;
    out.push_back(parser.response());
    parser.reset();
  }
  return out;
}

TEST(ReactorHeaderTimeoutTest, PartialHeaderGets408AndCloseWhileIdleConnectionsStay) {
  ServerProcess server =
      start_reactor({"--protocol", "http", "--workers", "1", "--header-timeout-ms", "300"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection idle = TestConnection::connect(server.port());  // sends nothing at all
  HttpClient served(server.port());                                // complete, then idle
  ASSERT_TRUE(served.get("/")) << served.error();

  TestConnection slow = TestConnection::connect(server.port());
  const auto sent = steady_clock::now();
  ASSERT_TRUE(slow.send_all("GET / HTTP/1.1\r\nHo"));
  const std::string reply = slow.read_until_eof(seconds(5));
  const auto waited = steady_clock::now() - sent;
  ASSERT_TRUE(slow.saw_eof()) << "not closed within 5 s; got: " << reply;
  EXPECT_GE(waited, milliseconds(300));
  const std::vector<http::ParsedResponse> r = parse_all(reply);
  ASSERT_EQ(r.size(), 1u) << reply;
  EXPECT_EQ(r[0].status, 408);
  EXPECT_FALSE(r[0].keep_alive);
  EXPECT_EQ(*r[0].find_header("Server"), "archbench/reactor");
  EXPECT_NE(r[0].find_header("Date"), nullptr);
  EXPECT_EQ(r[0].body, "request header section not complete within 300 ms");
  EXPECT_TRUE(wait_for_log(server, "header timeout: 18 bytes of header in "))
      << server.stderr_text();

  // Both other connections outlived the limit and are still served.
  std::optional<http::ParsedResponse> again = served.get("/json");
  ASSERT_TRUE(again) << served.error();
  EXPECT_EQ(again->status, 200);
  ASSERT_TRUE(idle.send_all(kGetRoot));
  const std::vector<http::ParsedResponse> late = parse_all(idle.read_until("Hello World"));
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].status, 200);
}

// The 408 of a header that times out behind a slower /sleep waits for the /sleep reply.
TEST(ReactorHeaderTimeoutTest, The408FollowsTheRepliesOwedBeforeIt) {
  ServerProcess server =
      start_reactor({"--protocol", "http", "--workers", "2", "--header-timeout-ms", "300"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.send_all("GET /sleep?ms=700 HTTP/1.1\r\nHost: h\r\n\r\nGET / HT"));
  const std::string reply = c.read_until_eof(seconds(5));
  const std::vector<http::ParsedResponse> r = parse_all(reply);
  ASSERT_EQ(r.size(), 2u) << reply;
  EXPECT_EQ(r[0].status, 200);
  EXPECT_EQ(r[0].body, "slept 700 ms");
  EXPECT_EQ(r[1].status, 408);
  EXPECT_TRUE(c.saw_eof());
}

TEST(ReactorHeaderTimeoutTest, WebSocketHandshakeIsTimedToo) {
  ServerProcess server =
      start_reactor({"--protocol", "websocket", "--workers", "1", "--header-timeout-ms", "300"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.send_all("GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"));
  const std::vector<http::ParsedResponse> r = parse_all(c.read_until_eof(seconds(5)));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 408);
  EXPECT_TRUE(c.saw_eof());
}

TEST(ReactorHeaderTimeoutTest, ZeroDisablesIt) {
  ServerProcess server =
      start_reactor({"--protocol", "http", "--workers", "1", "--header-timeout-ms", "0"});
  ASSERT_TRUE(server.wait_ready()) << server.error();
  TestConnection c = TestConnection::connect(server.port());
  ASSERT_TRUE(c.send_all("GET / HTTP/1.1\r\nHo"));
  EXPECT_EQ(c.read_available(milliseconds(600)), "");
  EXPECT_FALSE(c.saw_eof());
  ASSERT_TRUE(c.send_all("st: h\r\n\r\n"));
  const std::vector<http::ParsedResponse> r = parse_all(c.read_until("Hello World"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, 200);
}

}  // namespace
}  // namespace archbench::reactor::testing
