// The request generators and reply verifiers of echo, eof, length and timer on canned bytes:
// every split of a reply gives the same verdict, and each kind of wrong reply is caught with a
// readable description.
#include <gtest/gtest.h>

#include <string>

#include "clients/load/payload.h"
#include "clients/load/protocol_client.h"
#include "clients/load/reply_feeder.h"

namespace archbench::load {
namespace {

using testing::client_options;
using testing::feed;
using testing::Fed;

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
  auto client = make_protocol_client(client_options(Protocol::kEcho), 3);
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
  auto client = make_protocol_client(client_options(Protocol::kEcho), 0);
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
  Options o = client_options(Protocol::kEof);
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
  Options o = client_options(Protocol::kLength);
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
  Options o = client_options(Protocol::kLength);
  o.message_size = 0;
  auto client = make_protocol_client(o, 0);
  std::string request;
  client->append_request(request);
  EXPECT_EQ(request, std::string(4, '\0'));
  EXPECT_EQ(feed(*client, request + request, 1).replies.size(), 2u);
}

TEST(TimerClientTest, AfterRequestsAndFiredRepliesInOrder) {
  Options o = client_options(Protocol::kTimer);
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
  Options o = client_options(Protocol::kTimer);
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
