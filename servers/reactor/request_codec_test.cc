// http::Request across the socketpair: every field survives; truncated input is refused.
#include "servers/reactor/request_codec.h"

#include <gtest/gtest.h>

namespace archbench::reactor {
namespace {

http::Request sample() {
  http::Request r;
  r.method = "POST";
  r.target = "/echo?a=1";
  r.path = "/echo";
  r.query = "a=1";
  r.version_minor = 0;
  r.keep_alive = false;
  r.headers = {{"Host", "x"}, {"Content-Type", "text/plain"}, {"X-Empty", ""}};
  r.body = std::string("body\0with zero", 14);
  return r;
}

TEST(RequestCodecTest, EveryFieldRoundTrips) {
  std::string bytes;
  encode_request(sample(), bytes);
  http::Request back;
  back.headers.resize(10);  // a reused request with stale entries
  ASSERT_TRUE(decode_request(bytes, back));
  const http::Request want = sample();
  EXPECT_EQ(back.method, want.method);
  EXPECT_EQ(back.target, want.target);
  EXPECT_EQ(back.path, want.path);
  EXPECT_EQ(back.query, want.query);
  EXPECT_EQ(back.version_minor, 0);
  EXPECT_FALSE(back.keep_alive);
  ASSERT_EQ(back.headers.size(), 3u);
  EXPECT_EQ(back.headers[1].name, "Content-Type");
  EXPECT_EQ(back.headers[1].value, "text/plain");
  EXPECT_EQ(back.headers[2].value, "");
  EXPECT_EQ(back.body, want.body);
}

TEST(RequestCodecTest, TruncatedOrPaddedEncodingsAreRefused) {
  std::string bytes;
  encode_request(sample(), bytes);
  http::Request back;
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_request(std::string_view(bytes).substr(0, n), back)) << n;
  }
  EXPECT_FALSE(decode_request(bytes + "x", back));
}

TEST(RequestCodecTest, AHugeHeaderCountDoesNotAllocate) {
  std::string bytes;
  http::Request r;
  encode_request(r, bytes);
  // The header count sits after four empty strings and two bytes.
  bytes[18] = bytes[19] = bytes[20] = '\x7f';
  http::Request back;
  EXPECT_FALSE(decode_request(bytes, back));
}

}  // namespace
}  // namespace archbench::reactor
