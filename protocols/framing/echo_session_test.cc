#include "protocols/framing/echo_session.h"

#include <gtest/gtest.h>

#include <string>

namespace archbench::framing {
namespace {

TEST(EchoSessionTest, SendsEveryByteBackInOrder) {
  EchoSession session;
  SessionOutput out;
  session.on_bytes("hello", Now{}, out);
  session.on_bytes(std::string("\0\xff\r\n", 4), Now{}, out);
  EXPECT_EQ(out.bytes, std::string("hello\0\xff\r\n", 9));
  EXPECT_FALSE(out.close);
  EXPECT_TRUE(out.log.empty());
}

TEST(EchoSessionTest, AppendsToWhatTheDriverAlreadyHolds) {
  EchoSession session;
  SessionOutput out;
  out.bytes = "pending:";
  session.on_bytes("x", Now{}, out);
  EXPECT_EQ(out.bytes, "pending:x");
}

TEST(EchoSessionTest, EmptyReadProducesNothing) {
  EchoSession session;
  SessionOutput out;
  session.on_bytes("", Now{}, out);
  EXPECT_TRUE(out.bytes.empty());
  EXPECT_FALSE(out.close);
}

TEST(EchoSessionTest, PeerCloseClosesAndHasNoTimers) {
  EchoSession session;
  SessionOutput out;
  session.on_peer_closed(Now{}, out);
  EXPECT_TRUE(out.close);
  EXPECT_TRUE(out.bytes.empty());
  EXPECT_FALSE(session.next_deadline().has_value());
}

}  // namespace
}  // namespace archbench::framing
