// The WebSocket client on canned bytes: the opening handshake, masked requests, echoed
// messages (also fragmented, with a ping in between) and every kind of wrong answer.
#include <gtest/gtest.h>

#include <string>

#include "clients/load/payload.h"
#include "clients/load/protocol_client.h"
#include "clients/load/reply_feeder.h"
#include "protocols/websocket/frame.h"
#include "protocols/websocket/handshake.h"

namespace archbench::load {
namespace {

using testing::client_options;
using testing::feed;
using testing::Fed;


std::string header_value(const std::string& request, const std::string& name) {
  const auto at = request.find(name + ": ");
  if (at == std::string::npos) return "";
  const auto start = at + name.size() + 2;
  return request.substr(start, request.find("\r\n", start) - start);
}

std::string accept_response(const std::string& key) {
  return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Accept: " +
         websocket::compute_accept(key) + "\r\n\r\n";
}

TEST(WebSocketClientTest, HandshakeThenMaskedTextMessagesAndTheirEchoes) {
  Options o = client_options(Protocol::kWebSocket);
  o.host = "127.0.0.1";
  o.path = "/chat";
  auto client = make_protocol_client(o, 0);
  std::string opening;
  ASSERT_TRUE(client->start(opening));
  EXPECT_TRUE(opening.starts_with("GET /chat HTTP/1.1\r\n"));
  const std::string key = header_value(opening, "Sec-WebSocket-Key");
  ASSERT_TRUE(websocket::is_valid_key(key)) << key;

  std::string request;
  client->append_request(request);
  // A client frame: FIN + text, MASK bit, 100-byte length, 4-byte key, masked payload.
  ASSERT_EQ(request.size(), 2u + 4 + 100);
  EXPECT_EQ(static_cast<unsigned char>(request[0]), 0x81);
  EXPECT_EQ(static_cast<unsigned char>(request[1]), 0x80 | 100);
  websocket::FrameDecoder server_side(websocket::Role::kServer, 1000);
  std::string_view in = request;
  ASSERT_EQ(server_side.decode(in), websocket::DecodeStatus::kFrame);
  const std::string payload(server_side.frame().payload);
  EXPECT_EQ(payload, random_text(100, 1, 0));

  const std::string echo = websocket::encode_frame(websocket::Opcode::kText, payload);
  // The reply may arrive in the same read as the 101.
  Fed fed = feed(*client, accept_response(key) + echo, 1000);
  EXPECT_EQ(fed.handshakes, 1u);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kOk);

  // Fragmented echo, with a ping between the fragments: still one good reply.
  const std::string fragmented =
      websocket::encode_frame(websocket::Opcode::kText, payload.substr(0, 40), false) +
      websocket::encode_frame(websocket::Opcode::kPing, "p") +
      websocket::encode_frame(websocket::Opcode::kContinuation, payload.substr(40), true);
  fed = feed(*client, fragmented, 3);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kOk);
}

TEST(WebSocketClientTest, WrongOpcodePayloadAcceptAndCloseAreWrong) {
  Options o = client_options(Protocol::kWebSocket);
  auto client = make_protocol_client(o, 0);
  std::string opening;
  client->start(opening);
  const std::string key = header_value(opening, "Sec-WebSocket-Key");
  const std::string payload = random_text(100, 1, 0);
  feed(*client, accept_response(key), 1000);

  Fed fed = feed(*client, websocket::encode_frame(websocket::Opcode::kBinary, payload), 1000);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kWrong);
  EXPECT_EQ(fed.replies[0].got, "opcode 2");

  fed = feed(*client, websocket::encode_frame(websocket::Opcode::kText, payload.substr(1)), 1000);
  EXPECT_EQ(fed.replies.at(0).kind, ReplyVerdict::Kind::kWrong);

  fed = feed(*client, websocket::encode_frame(websocket::Opcode::kClose, "\x03\xe8"), 1000);
  EXPECT_EQ(fed.replies.at(0).kind, ReplyVerdict::Kind::kWrong);

  // A masked frame from a server violates RFC 6455 5.1.
  fed = feed(*client,
             websocket::encode_frame(websocket::Opcode::kText, payload, true,
                                     websocket::MaskingKey{1, 2, 3, 4}),
             1000);
  EXPECT_EQ(fed.replies.at(0).kind, ReplyVerdict::Kind::kWrong);

  client->reset();
  client->start(opening);
  fed = feed(*client, accept_response("dGhlIHNhbXBsZSBub25jZQ=="), 1000);
  EXPECT_EQ(fed.handshakes, 1u);
  // The handshake verdict travels like a reply's; the caller sees it as kHandshake.
  const std::string wrong_accept = accept_response("dGhlIHNhbXBsZSBub25jZQ==");
  std::string_view data = wrong_accept;
  client->reset();
  client->start(opening);
  ReplyVerdict verdict;
  EXPECT_EQ(client->consume(data, verdict).event, ParseStep::Event::kHandshake);
  EXPECT_EQ(verdict.kind, ReplyVerdict::Kind::kWrong);
  EXPECT_EQ(verdict.got, "wrong Sec-WebSocket-Accept");
}

}  // namespace
}  // namespace archbench::load
