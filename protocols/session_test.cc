#include "protocols/session.h"

#include <gtest/gtest.h>

namespace archbench {
namespace {

TEST(ProtocolNames, RoundTripEveryProtocol) {
  ASSERT_EQ(all_protocols().size(), 6u);
  for (Protocol p : all_protocols()) {
    auto parsed = parse_protocol(protocol_name(p));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, p);
  }
}

TEST(ProtocolNames, UnknownNameIsRejected) {
  EXPECT_FALSE(parse_protocol("HTTP").has_value());
  EXPECT_FALSE(parse_protocol("").has_value());
  EXPECT_FALSE(parse_protocol("ws").has_value());
}

TEST(ProtocolConfig, WebSocketLimitFallsBackToPackageLimit) {
  ProtocolConfig config;
  EXPECT_EQ(config.websocket_max_message(), kDefaultPackageMaxLength);
  config.ws_max_message = 100;
  EXPECT_EQ(config.websocket_max_message(), 100u);
}

}  // namespace
}  // namespace archbench
