#include "protocols/websocket/close_codes.h"

#include <gtest/gtest.h>

namespace archbench::websocket {
namespace {

TEST(CloseCodes, ExactlyTheRfcListAndThePrivateRange) {
  int valid = 0;
  for (int code = 0; code <= 65535; ++code) {
    const bool expected = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
                          (code >= 3000 && code <= 4999);
    ASSERT_EQ(is_valid_close_code(static_cast<std::uint16_t>(code)), expected) << code;
    valid += expected ? 1 : 0;
  }
  EXPECT_EQ(valid, 4 + 5 + 2000);
}

TEST(ClosePayload, EncodesCodeBigEndianAndReason) {
  EXPECT_EQ(close_payload(1000), std::string("\x03\xE8", 2));
  EXPECT_EQ(close_payload(4999, "bye"), std::string("\x13\x87" "bye", 5));
  EXPECT_EQ(close_payload(1002, std::string(200, 'r')).size(), 125u);
}

TEST(ParseClosePayload, EmptyHasNoCode) {
  const CloseInfo info = parse_close_payload("");
  EXPECT_FALSE(info.has_code);
  EXPECT_EQ(info.error, 0);
}

TEST(ParseClosePayload, CodeAndReason) {
  const std::string payload = close_payload(3001, "done");  // info.reason points into it
  const CloseInfo info = parse_close_payload(payload);
  EXPECT_TRUE(info.has_code);
  EXPECT_EQ(info.code, 3001);
  EXPECT_EQ(info.reason, "done");
  EXPECT_EQ(info.error, 0);
}

TEST(ParseClosePayload, Errors) {
  EXPECT_EQ(parse_close_payload(std::string(1, '\x03')).error, kCloseProtocolError);
  EXPECT_EQ(parse_close_payload(close_payload(1005)).error, kCloseProtocolError);
  EXPECT_EQ(parse_close_payload(close_payload(1000) + std::string(124, 'x')).error,
            kCloseProtocolError);
  EXPECT_EQ(parse_close_payload(close_payload(1000) + "\xC0\xAF").error, kCloseInvalidPayload);
  EXPECT_EQ(parse_close_payload(close_payload(1000) + std::string(123, 'x')).error, 0);
}

}  // namespace
}  // namespace archbench::websocket
