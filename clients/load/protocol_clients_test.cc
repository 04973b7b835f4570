// The request generators and reply verifiers on canned bytes: every split of a reply gives the
// same verdict, and each kind of wrong reply is caught with a readable description.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "clients/load/payload.h"
#include "clients/load/protocol_client.h"
#include "protocols/websocket/frame.h"
#include "protocols/websocket/handshake.h"

namespace archbench::load {
namespace {

Options options_for(Protocol protocol) {
  Options o;
  o.port = 1;
  o.protocol = protocol;
  o.message_size = 100;
  return o;
}

struct Fed {
  std::vector<ReplyVerdict> replies;
  std::size_t handshakes = 0;
};

// Feeds `bytes` in pieces of `piece` bytes, collecting every verdict.
Fed feed(ProtocolClient& client, const std::string& bytes, std::size_t piece) {
  Fed fed;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    std::string_view data = std::string_view(bytes).substr(at, piece);
    while (!data.empty()) {
      ReplyVerdict verdict;
      const ParseStep step = client.consume(data, verdict);
      EXPECT_LE(step.used, data.size());
      data.remove_prefix(step.used);
      if (step.event == ParseStep::Event::kReply) fed.replies.push_back(verdict);
      if (step.event == ParseStep::Event::kHandshake) ++fed.handshakes;
      if (step.event == ParseStep::Event::kNeedMore) {
        EXPECT_TRUE(data.empty());
        break;
      }
    }
  }
  return fed;
}

TEST(PayloadTest, DeterministicPerConnectionAndDifferentAcrossConnections) {
  EXPECT_EQ(random_bytes(64, 1, 0), random_bytes(64, 1, 0));
  EXPECT_NE(random_bytes(64, 1, 0), random_bytes(64, 1, 1));
  EXPECT_NE(random_bytes(64, 1, 0), random_bytes(64, 2, 0));
  const std::string no_delimiter = random_bytes(100'000, 1, 0, "\r\n");
  EXPECT_EQ(no_delimiter.find_first_of("\r\n"), std::string::npos);
  const std::string text = random_text(10'000, 1, 0);
  for (char c : text) ASSERT_TRUE(c >= ' ' && c <= '~');
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  EXPECT_THROW(random_bytes(1, 1, 0, every_byte), std::invalid_argument);
}

TEST(EchoClientTest, RequestIsThePayloadAndItsEchoVerifiesInAnySplit) {
  auto client = make_protocol_client(options_for(Protocol::kEcho), 3);
  std::string request;
  client->append_request(request);
  EXPECT_EQ(request, random_bytes(100, 1, 3));
  const std::string two_replies = request + request;
  for (std::size_t piece : {1u, 7u, 100u, 150u, 200u}) {
    const Fed fed = feed(*client, two_replies, piece);
    ASSERT_EQ(fed.replies.size(), 2u) << piece;
    EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kOk);
    EXPECT_EQ(fed.replies[1].kind, ReplyVerdict::Kind::kOk);
  }
}

TEST(EchoClientTest, OneFlippedByteIsAWrongReplyThatNamesTheOffset) {
  auto client = make_protocol_client(options_for(Protocol::kEcho), 0);
  std::string request;
  client->append_request(request);
  std::string reply = request;
  reply[42] ^= 0x01;
  const Fed fed = feed(*client, reply + request, 9);
  ASSERT_EQ(fed.replies.size(), 2u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kWrong);
  EXPECT_NE(fed.replies[0].expected.find("byte 42 of 100"), std::string::npos)
      << fed.replies[0].expected;
  EXPECT_FALSE(fed.replies[0].got.empty());
  EXPECT_EQ(fed.replies[1].kind, ReplyVerdict::Kind::kOk);
}

TEST(EofClientTest, PayloadWithoutDelimiterThenDelimiter) {
  Options o = options_for(Protocol::kEof);
  o.eof = "\r\n";
  auto client = make_protocol_client(o, 1);
  std::string request;
  client->append_request(request);
  ASSERT_EQ(request.size(), 102u);
  EXPECT_EQ(request.substr(100), "\r\n");
  EXPECT_EQ(request.substr(0, 100).find_first_of("\r\n"), std::string::npos);
  EXPECT_EQ(feed(*client, request, 5).replies.at(0).kind, ReplyVerdict::Kind::kOk);
  // A reply that lost its delimiter's first byte is wrong.
  client->reset();
  std::string bad = request;
  bad[100] = 'x';
  EXPECT_EQ(feed(*client, bad, 200).replies.at(0).kind, ReplyVerdict::Kind::kWrong);
}

TEST(LengthClientTest, BigEndianHeaderThenPayload) {
  Options o = options_for(Protocol::kLength);
  o.message_size = 258;
  auto client = make_protocol_client(o, 0);
  std::string request;
  client->append_request(request);
  ASSERT_EQ(request.size(), 262u);
  EXPECT_EQ(request.substr(0, 4), std::string("\0\0\x01\x02", 4));
  EXPECT_EQ(feed(*client, request, 3).replies.at(0).kind, ReplyVerdict::Kind::kOk);
  std::string bad = request;
  bad[3] = 0x03;  // the header announces one byte more
  client->reset();
  EXPECT_EQ(feed(*client, bad, 1000).replies.at(0).kind, ReplyVerdict::Kind::kWrong);
}

TEST(LengthClientTest, ZeroLengthFrames) {
  Options o = options_for(Protocol::kLength);
  o.message_size = 0;
  auto client = make_protocol_client(o, 0);
  std::string request;
  client->append_request(request);
  EXPECT_EQ(request, std::string(4, '\0'));
  EXPECT_EQ(feed(*client, request + request, 1).replies.size(), 2u);
}

TEST(TimerClientTest, AfterRequestsAndFiredRepliesInOrder) {
  Options o = options_for(Protocol::kTimer);
  o.timer_ms = 25;
  auto client = make_protocol_client(o, 0);
  std::string requests;
  client->append_request(requests);
  client->append_request(requests);
  EXPECT_EQ(requests, "AFTER 25 1\r\nAFTER 25 2\r\n");
  EXPECT_EQ(client->intended_delay(), std::chrono::milliseconds(25));
  for (std::size_t piece : {1u, 4u, 100u}) {
    client->reset();
    std::string again;
    client->append_request(again);
    client->append_request(again);
    const Fed fed = feed(*client, "FIRED 1\r\nFIRED 2\n", piece);  // bare \n accepted
    ASSERT_EQ(fed.replies.size(), 2u);
    EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kOk);
    EXPECT_EQ(fed.replies[1].kind, ReplyVerdict::Kind::kOk);
  }
}

TEST(TimerClientTest, WrongIdErrAndOverlongLinesAreWrong) {
  Options o = options_for(Protocol::kTimer);
  auto client = make_protocol_client(o, 0);
  std::string requests;
  client->append_request(requests);
  Fed fed = feed(*client, "FIRED 2\r\n", 100);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kWrong);
  EXPECT_EQ(fed.replies[0].expected, "\"FIRED 1\\r\\n\"");
  EXPECT_NE(fed.replies[0].got.find("FIRED 2"), std::string::npos);

  client->reset();
  client->append_request(requests);
  fed = feed(*client, "ERR unknown command\r\n", 3);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kWrong);

  client->reset();
  client->append_request(requests);
  fed = feed(*client, std::string(1000, 'F'), 1000);
  ASSERT_EQ(fed.replies.size(), 1u);
  EXPECT_EQ(fed.replies[0].kind, ReplyVerdict::Kind::kWrong);
}

}  // namespace
}  // namespace archbench::load

namespace archbench::load {
namespace {

Options http_options(const std::string& method, const std::string& path) {
  Options o = options_for(Protocol::kHttp);
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

// --- WebSocket ---

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
  Options o = options_for(Protocol::kWebSocket);
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
  Options o = options_for(Protocol::kWebSocket);
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
