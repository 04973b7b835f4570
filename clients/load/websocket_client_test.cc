// The WebSocket client on canned bytes: the opening handshake, masked requests, echoed
// messages (also fragmented, with a ping in between), pongs for pings, every kind of wrong
// answer, and broadcast mode (tagged messages from every member; 501 as "unsupported").
#include <gtest/gtest.h>

#include <string>

#include "clients/load/broadcast_message.h"
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
  EXPECT_EQ(fed.pings, 1u);
  // The ping is answered (RFC 6455 5.5.2): a masked pong with the same payload.
  std::string owed;
  client->take_output(owed);
  std::string_view pong = owed;
  websocket::FrameDecoder decoder(websocket::Role::kServer, 1000);
  ASSERT_EQ(decoder.decode(pong), websocket::DecodeStatus::kFrame);
  EXPECT_EQ(decoder.frame().opcode, websocket::Opcode::kPong);
  EXPECT_EQ(decoder.frame().payload, "p");
  EXPECT_TRUE(pong.empty());
  owed.clear();
  client->take_output(owed);
  EXPECT_TRUE(owed.empty()) << "a pong is owed once";
  // An unsolicited pong is ignored.
  fed = feed(*client, websocket::encode_frame(websocket::Opcode::kPong, "x") + echo, 1000);
  EXPECT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.pings, 0u);
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

// --- broadcast mode ---------------------------------------------------------------------------

class BroadcastClientTest : public ::testing::Test {
 protected:
  static constexpr int kMembers = 4;
  static constexpr std::uint32_t kSelf = 2;

  void SetUp() override {
    options_ = client_options(Protocol::kWebSocket);
    options_.path = "/broadcast";
    options_.connections = kMembers;
    client_ = make_protocol_client(options_, kSelf);
    std::string opening;
    client_->start(opening);
    ASSERT_TRUE(opening.starts_with("GET /broadcast HTTP/1.1\r\n"));
    ASSERT_EQ(feed(*client_, accept_response(header_value(opening, "Sec-WebSocket-Key")), 999)
                  .handshakes,
              1u);
  }

  // The message `sender` sends as its `sequence`-th, as the server relays it (unmasked).
  std::string relayed(std::uint32_t sender, std::uint64_t sequence) const {
    std::string message;
    BroadcastPayload(options_.message_size, false, options_.seed).build({sender, sequence},
                                                                         message);
    return websocket::encode_frame(websocket::Opcode::kText, message);
  }

  Options options_;
  std::unique_ptr<ProtocolClient> client_;
};

TEST_F(BroadcastClientTest, RequestsCarryTheSendersTagAndNumber) {
  std::string requests;
  client_->append_request(requests);
  client_->append_request(requests);
  websocket::FrameDecoder server_side(websocket::Role::kServer, 1000);
  std::string_view in = requests;
  for (std::uint64_t sequence : {1u, 2u}) {
    ASSERT_EQ(server_side.decode(in), websocket::DecodeStatus::kFrame);
    const std::string payload(server_side.frame().payload);
    ASSERT_EQ(payload.size(), 100u);
    const auto tag = parse_broadcast_tag(payload);
    ASSERT_TRUE(tag.has_value()) << payload;
    EXPECT_EQ(tag->sender, kSelf);
    EXPECT_EQ(tag->sequence, sequence);
    // The server echoes it to the group: the sender's own copy verifies, with its tag.
    const Fed fed = feed(*client_, websocket::encode_frame(websocket::Opcode::kText, payload), 7);
    ASSERT_EQ(fed.replies.size(), 1u);
    EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kOk);
    ASSERT_TRUE(fed.replies[0].tag.has_value());
    EXPECT_EQ(fed.replies[0].tag->sequence, sequence);
  }
}

TEST_F(BroadcastClientTest, EveryMembersMessagesVerifyInAnySplit) {
  const std::string stream = relayed(0, 1) + relayed(3, 1) + relayed(kSelf, 1) + relayed(0, 2);
  for (std::size_t piece : {1u, 5u, 24u, 25u, 1000u}) {
    const Fed fed = feed(*client_, stream, piece);
    ASSERT_EQ(fed.replies.size(), 4u) << piece;
    for (const ReplyVerdict& v : fed.replies) {
      EXPECT_EQ(v.kind, ReplyVerdict::Kind::kOk) << v.expected << " / " << v.got;
    }
    EXPECT_EQ(fed.replies[1].tag->sender, 3u);
    EXPECT_EQ(fed.replies[3].tag->sequence, 2u);
  }
}

TEST_F(BroadcastClientTest, BadBodiesAndTagsAreWrongButTheStreamGoesOn) {
  std::string swapped_body;
  BroadcastPayload payload(options_.message_size, false, options_.seed);
  swapped_body = format_broadcast_tag({1, 7});
  swapped_body += payload.body({1, 8});  // another message's body under this tag
  const std::string stream =
      websocket::encode_frame(websocket::Opcode::kText, swapped_body) +
      websocket::encode_frame(websocket::Opcode::kText, std::string(100, 'x')) +
      relayed(kMembers, 1) +  // names a connection that does not exist
      relayed(1, 9);
  const Fed fed = feed(*client_, stream, 1000);
  ASSERT_EQ(fed.replies.size(), 4u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kWrong);
  EXPECT_TRUE(fed.replies[0].stream_intact);
  ASSERT_TRUE(fed.replies[0].tag.has_value());  // still placed in the order of sender 1
  EXPECT_NE(fed.replies[0].expected.find("number 7 of connection 1"), std::string::npos);
  EXPECT_EQ(fed.replies[1].kind, ReplyVerdict::Kind::kWrong);
  EXPECT_FALSE(fed.replies[1].tag.has_value());
  EXPECT_NE(fed.replies[1].got.find("no tag"), std::string::npos) << fed.replies[1].got;
  EXPECT_EQ(fed.replies[2].kind, ReplyVerdict::Kind::kWrong);
  EXPECT_NE(fed.replies[2].got.find("connection 4 of 4"), std::string::npos);
  EXPECT_EQ(fed.replies[3].kind, ReplyVerdict::Kind::kOk);
}

TEST_F(BroadcastClientTest, BrokenFramingIsNotIntact) {
  const Fed fed = feed(*client_, websocket::encode_frame(websocket::Opcode::kClose, ""), 1000);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kWrong);
  EXPECT_FALSE(fed.replies[0].stream_intact);
}

TEST(WebSocketRefusalTest, A501OnBroadcastIsUnsupportedWithTheReason) {
  Options o = client_options(Protocol::kWebSocket);
  o.path = "/broadcast";
  const std::string refusal =
      "HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain\r\nContent-Length: 26\r\n"
      "Connection: close\r\n\r\none process per connection";
  auto client = make_protocol_client(o, 0);
  std::string opening;
  client->start(opening);
  std::string_view data = refusal;
  ReplyVerdict verdict;
  EXPECT_EQ(client->consume(data, verdict).event, ParseStep::Event::kHandshake);
  EXPECT_EQ(verdict.kind, ReplyVerdict::Kind::kUnsupported);
  EXPECT_EQ(verdict.got, "one process per connection");

  // Outside broadcast mode a 501 is just a wrong handshake answer.
  o.path = "/";
  client = make_protocol_client(o, 0);
  client->start(opening);
  data = refusal;
  verdict = ReplyVerdict();
  client->consume(data, verdict);
  EXPECT_EQ(verdict.kind, ReplyVerdict::Kind::kWrong);
}

}  // namespace
}  // namespace archbench::load
