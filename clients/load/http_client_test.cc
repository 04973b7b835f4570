// The HTTP client on canned responses: request bytes, status, required headers, the body each
// route promises, pipelining, Connection: close and close-delimited bodies.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "clients/load/payload.h"
#include "clients/load/protocol_client.h"
#include "clients/load/reply_feeder.h"

namespace archbench::load {
namespace {

using testing::client_options;
using testing::feed;
using testing::Fed;

Options http_options(const std::string& method, const std::string& path) {
  Options o = client_options(Protocol::kHttp);
  o.host = "127.0.0.1";
  o.port = 8080;
  o.method = method;
  o.path = path;
  return o;
}

std::string response(int status, const std::string& body, const std::string& extra = "",
                     bool with_date = true) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " X\r\nServer: archbench/test\r\n";
  if (with_date) r += "Date: Sat, 01 Jan 2000 00:00:00 GMT\r\n";
  r += "Content-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
       extra + "\r\n" + body;
  return r;
}

TEST(HttpClientTest, RequestLine) {
  Options o = http_options("POST", "/echo");
  o.body_size = 5;
  auto client = make_protocol_client(o, 0);
  std::string request;
  client->append_request(request);
  EXPECT_TRUE(request.starts_with("POST /echo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n")) << request;
  EXPECT_NE(request.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_EQ(request.substr(request.size() - 5), random_bytes(5, 1, 0));
  o.keepalive = false;
  o.body_size = 0;
  o.method = "GET";
  request.clear();
  make_protocol_client(o, 0)->append_request(request);
  EXPECT_EQ(request, "GET /echo HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\r\n");
}

TEST(HttpClientTest, HelloWorldInAnySplitAndPipelined) {
  auto client = make_protocol_client(http_options("GET", "/"), 0);
  const std::string two = response(200, "Hello World") + response(200, "Hello World");
  for (std::size_t piece : {1u, 3u, 50u, 1000u}) {
    const Fed fed = feed(*client, two, piece);
    ASSERT_EQ(fed.replies.size(), 2u) << piece;
    EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kOk) << fed.replies[0].got;
    EXPECT_EQ(fed.replies[1].kind, ReplyVerdict::Kind::kOk);
    EXPECT_FALSE(fed.replies[0].peer_closes);
  }
}

TEST(HttpClientTest, SleepBodyNamesTheDelay) {
  auto client = make_protocol_client(http_options("GET", "/sleep?ms=007"), 0);
  Fed fed = feed(*client, response(200, "slept 7 ms") + response(200, "slept 8 ms"), 1000);
  ASSERT_EQ(fed.replies.size(), 2u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kOk) << fed.replies[0].got;
  EXPECT_EQ(fed.replies[1].kind, ReplyVerdict::Kind::kWrong);
}

TEST(HttpClientTest, InspectMustDescribeThisVeryRequest) {
  Options o = http_options("GET", "/insp%65ct?b=x%20y&a=1&a=2");
  o.keepalive = false;
  auto client = make_protocol_client(o, 0);
  // What the server's /inspect writes for it (its key order; compared as JSON).
  const std::string good =
      R"({"method":"GET","path":"/inspect","query":{"b":"x y","a":"1"},)"
      R"("headers":{"host":"127.0.0.1:8080","connection":"close"},"cookies":{}})";
  Fed fed = feed(*client, response(200, good, "Connection: close\r\n"), 1000);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kOk) << fed.replies[0].got;
  for (const std::string& wrong : std::vector<std::string>{
           R"({"method":"GET","path":"/inspect","query":{"b":"x y","a":"2"},)"
           R"("headers":{"host":"127.0.0.1:8080","connection":"close"},"cookies":{}})",
           R"({"method":"GET","path":"/inspect","query":{"b":"x y","a":"1"},)"
           R"("headers":{"host":"127.0.0.1:8080"},"cookies":{}})",
           "not json"}) {
    client->reset();
    fed = feed(*client, response(200, wrong, "Connection: close\r\n"), 1000);
    ASSERT_EQ(fed.replies.size(), 1u);
    EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kWrong) << wrong;
  }
}

TEST(HttpClientTest, WrongBodyMissingHeaderAndGarbageAreWrong) {
  auto client = make_protocol_client(http_options("GET", "/"), 0);
  Fed fed = feed(*client, response(200, "Hello Wörld"), 1000);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kWrong);
  EXPECT_NE(fed.replies[0].expected.find("Hello World"), std::string::npos);

  client->reset();
  fed = feed(*client, response(200, "Hello World", "", /*with_date=*/false), 1000);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kWrong);
  EXPECT_EQ(fed.replies[0].expected, "a Date header");

  client->reset();
  fed = feed(*client, "SSH-2.0-OpenSSH\r\n\r\n", 1000);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kWrong);
  EXPECT_NE(fed.replies[0].got.find("unparsable"), std::string::npos);
}

TEST(HttpClientTest, Non2xxIsCountedApartFromWrong) {
  auto client = make_protocol_client(http_options("GET", "/"), 0);
  const Fed fed = feed(*client, response(404, "not found"), 7);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kHttpStatus);
  EXPECT_EQ(fed.replies[0].http_status, 404);
}

TEST(HttpClientTest, JsonComparedAsJson) {
  auto client = make_protocol_client(http_options("GET", "/json"), 0);
  EXPECT_EQ(feed(*client, response(200, R"({"message":"Hello, World!"})"), 1000).replies.at(0).kind,
            ReplyVerdict::Kind::kOk);
  EXPECT_EQ(feed(*client, response(200, R"({ "message" : "Hello, World!" })"), 1000)
                .replies.at(0)
                .kind,
            ReplyVerdict::Kind::kOk);
  EXPECT_EQ(feed(*client, response(200, R"({"message":"Hello"})"), 1000).replies.at(0).kind,
            ReplyVerdict::Kind::kWrong);
  EXPECT_EQ(feed(*client, response(200, R"({"message":)"), 1000).replies.at(0).kind,
            ReplyVerdict::Kind::kWrong);
}

TEST(HttpClientTest, EchoAndBytesBodies) {
  Options o = http_options("POST", "/echo");
  o.body_size = 100;
  auto echo = make_protocol_client(o, 2);
  EXPECT_EQ(feed(*echo, response(200, random_bytes(100, 1, 2)), 13).replies.at(0).kind,
            ReplyVerdict::Kind::kOk);
  EXPECT_EQ(feed(*echo, response(200, random_bytes(100, 1, 3)), 13).replies.at(0).kind,
            ReplyVerdict::Kind::kWrong);

  auto bytes = make_protocol_client(http_options("GET", "/bytes?n=30"), 0);
  EXPECT_EQ(feed(*bytes, response(200, "abcdefghijklmnopqrstuvwxyzabcd"), 4).replies.at(0).kind,
            ReplyVerdict::Kind::kOk);
  EXPECT_EQ(feed(*bytes, response(200, "abcdefghijklmnopqrstuvwxyzabc"), 4).replies.at(0).kind,
            ReplyVerdict::Kind::kWrong);
}

TEST(HttpClientTest, ConnectionCloseAndCloseDelimitedBodies) {
  auto client = make_protocol_client(http_options("GET", "/"), 0);
  const Fed fed = feed(*client, response(200, "Hello World", "Connection: close\r\n"), 1000);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_TRUE(fed.replies[0].peer_closes);

  // No Content-Length: the body ends with the connection, and the reply is still judged (wrong
  // here, because archbench replies must carry Content-Length).
  client->reset();
  const std::string until_close =
      "HTTP/1.1 200 OK\r\nServer: s\r\nDate: d\r\nContent-Type: text/plain\r\n\r\nHello World";
  EXPECT_TRUE(feed(*client, until_close, 1000).replies.empty());
  ReplyVerdict verdict;
  EXPECT_EQ(client->on_peer_closed(verdict).event, ParseStep::Event::kReply);
  EXPECT_EQ(verdict.kind, ReplyVerdict::Kind::kWrong);
  EXPECT_EQ(verdict.expected, "a Content-Length header");
}

TEST(HttpClientTest, HeadResponsesHaveNoBody) {
  auto client = make_protocol_client(http_options("HEAD", "/"), 0);
  const std::string head = "HTTP/1.1 200 OK\r\nServer: s\r\nDate: d\r\nContent-Type: text/plain\r\n"
                           "Content-Length: 11\r\n\r\n";
  const Fed fed = feed(*client, head + head, 5);
  ASSERT_EQ(fed.replies.size(), 2u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kOk);
}

}  // namespace
}  // namespace archbench::load
