// The hand-over from HTTP to WebSocket inside HttpSession.
#include <gtest/gtest.h>

#include <string>

#include "protocols/http/http_session.h"
#include "protocols/http/http_session_test_support.h"
#include "protocols/http/response_parser.h"
#include "protocols/websocket/frame.h"

namespace archbench::http {
namespace {

using std::chrono::milliseconds;
using websocket::Opcode;

using testing::kStart;

const websocket::MaskingKey kKey{0x12, 0x34, 0x56, 0x78};

// RFC 6455 1.3's sample key and its accept value.
std::string handshake(std::string_view path) {
  return "GET " + std::string(path) +
         " HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// Splits the output into the HTTP response and what follows it.
ParsedResponse split_response(std::string_view bytes, std::string* after) {
  ResponseParser parser;
  auto r = parser.feed(bytes);
  EXPECT_EQ(r.status, ResponseParser::Status::kComplete);
  if (after) after->assign(bytes.substr(r.consumed));
  return parser.response();
}

class HttpSessionWebSocketTest : public ::testing::Test {
 protected:
  HttpSessionWebSocketTest() { config_.can_broadcast = true; }
  void start(bool websocket_only) {
    session_ = make_http_session(config_, websocket_only, kStart.steady);
  }
  SessionOutput feed(std::string_view bytes, const Now& now = kStart) {
    SessionOutput out;
    session_->on_bytes(bytes, now, out);
    return out;
  }
  ProtocolConfig config_;
  std::unique_ptr<Session> session_;
};

TEST_F(HttpSessionWebSocketTest, UpgradeThenFrameInTheSameRead) {
  start(false);
  SessionOutput out =
      feed(handshake("/chat") + websocket::encode_frame(Opcode::kText, "hello", true, kKey));
  std::string after;
  ParsedResponse r = split_response(out.bytes, &after);
  EXPECT_EQ(r.status, 101);
  EXPECT_EQ(*r.find_header("Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(r.find_header("Content-Length"), nullptr);
  EXPECT_EQ(after, websocket::encode_frame(Opcode::kText, "hello"));
  EXPECT_FALSE(out.close);
  // Later bytes go to the WebSocket session too.
  EXPECT_EQ(feed(websocket::encode_frame(Opcode::kBinary, "xy", true, kKey)).bytes,
            websocket::encode_frame(Opcode::kBinary, "xy"));
}

TEST_F(HttpSessionWebSocketTest, BroadcastGroupIsForwarded) {
  start(false);
  EXPECT_EQ(session_->broadcast_group(), "");
  feed(handshake("/broadcast"));
  EXPECT_EQ(session_->broadcast_group(), "/broadcast");
  SessionOutput out;
  std::string frame = websocket::encode_frame(Opcode::kText, "to all");
  session_->on_broadcast(frame, out);
  EXPECT_EQ(out.bytes, frame);
}

TEST_F(HttpSessionWebSocketTest, PipelinedHttpBeforeTheHandshakeIsAnsweredFirst) {
  start(false);
  SessionOutput out = feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n" + handshake("/"));
  ResponseParser parser;
  auto first = parser.feed(out.bytes);
  ASSERT_EQ(first.status, ResponseParser::Status::kComplete);
  EXPECT_EQ(parser.response().body, "Hello World");
  parser.reset();
  auto second = parser.feed(std::string_view(out.bytes).substr(first.consumed));
  ASSERT_EQ(second.status, ResponseParser::Status::kComplete);
  EXPECT_EQ(parser.response().status, 101);
}

TEST_F(HttpSessionWebSocketTest, UpgradeBehindASleepWaitsAndKeepsItsBytes) {
  start(false);
  SessionOutput out = feed("GET /sleep?ms=30 HTTP/1.1\r\nHost: h\r\n\r\n" + handshake("/") +
                           websocket::encode_frame(Opcode::kText, "early", true, kKey));
  EXPECT_EQ(out.bytes, "");
  // More WebSocket bytes before the 101 went out: kept for the WebSocket session.
  EXPECT_EQ(feed(websocket::encode_frame(Opcode::kText, "later", true, kKey)).bytes, "");
  ASSERT_EQ(session_->next_deadline(), kStart.steady + milliseconds(30));
  SessionOutput later;
  session_->on_deadline(Now{kStart.steady + milliseconds(30), kStart.wall}, later);
  ResponseParser parser;
  auto slept = parser.feed(later.bytes);
  ASSERT_EQ(slept.status, ResponseParser::Status::kComplete);
  EXPECT_EQ(parser.response().body, "slept 30 ms");
  std::string after;
  ParsedResponse switching = split_response(std::string_view(later.bytes).substr(slept.consumed), &after);
  EXPECT_EQ(switching.status, 101);
  EXPECT_EQ(after, websocket::encode_frame(Opcode::kText, "early") +
                       websocket::encode_frame(Opcode::kText, "later"));
}

TEST_F(HttpSessionWebSocketTest, BadHandshakeIsRefusedAndClosed) {
  start(false);
  SessionOutput out = feed("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n");
  ParsedResponse r = split_response(out.bytes, nullptr);
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(out.close);
}

TEST_F(HttpSessionWebSocketTest, WrongVersionGets426) {
  start(false);
  std::string request = handshake("/");
  request.replace(request.find("Version: 13"), 11, "Version: 8");
  SessionOutput out = feed(request);
  ParsedResponse r = split_response(out.bytes, nullptr);
  EXPECT_EQ(r.status, 426);
  EXPECT_EQ(*r.find_header("Sec-WebSocket-Version"), "13");
  EXPECT_TRUE(out.close);
}

TEST_F(HttpSessionWebSocketTest, WebSocketOnlyRefusesPlainRequests) {
  start(true);
  SessionOutput out = feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ParsedResponse r = split_response(out.bytes, nullptr);
  EXPECT_TRUE(r.status == 400 || r.status == 426) << r.status;
  EXPECT_TRUE(out.close);
}

TEST_F(HttpSessionWebSocketTest, WebSocketOnlyAcceptsAHandshake) {
  start(true);
  SessionOutput out = feed(handshake("/anything"));
  EXPECT_EQ(split_response(out.bytes, nullptr).status, 101);
}

TEST_F(HttpSessionWebSocketTest, PeerCloseIsForwarded) {
  start(false);
  feed(handshake("/"));
  SessionOutput out;
  session_->on_peer_closed(kStart, out);
  EXPECT_TRUE(out.close);
}

TEST_F(HttpSessionWebSocketTest, BroadcastRefusedWhereTheArchitectureCannot) {
  config_.can_broadcast = false;
  start(false);
  SessionOutput out = feed(handshake("/broadcast"));
  ParsedResponse r = split_response(out.bytes, nullptr);
  EXPECT_EQ(r.status, 501);
  EXPECT_EQ(r.body, config_.broadcast_refusal.empty() ? r.body : r.body);
  EXPECT_FALSE(r.body.empty());
  EXPECT_TRUE(out.close);
}

}  // namespace
}  // namespace archbench::http
