// The opening handshake: RFC 6455's accept example, every refusal (400/426/403/501), the token,
// the client's request and its check of the answer, and upgrade() end to end.
#include "protocols/websocket/handshake.h"

#include <gtest/gtest.h>

#include <functional>

#include "protocols/websocket/test_peer.h"
#include "protocols/websocket/token.h"
#include "protocols/websocket/upgrade.h"

namespace archbench::websocket {
namespace {

constexpr char kRfcKey[] = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr char kRfcAccept[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

http::Request good_request(std::string path = "/chat", std::string query = "") {
  http::Request r;
  r.method = "GET";
  r.path = std::move(path);
  r.query = std::move(query);
  r.target = r.path + (r.query.empty() ? "" : "?" + r.query);
  r.headers = {{"Host", "server.example.com"},
               {"Upgrade", "websocket"},
               {"Connection", "Upgrade"},
               {"Sec-WebSocket-Key", kRfcKey},
               {"Origin", "http://example.com"},
               {"Sec-WebSocket-Version", "13"}};
  return r;
}

void remove_header(http::Request& r, std::string_view name) {
  std::erase_if(r.headers, [&](const http::Header& h) { return http::iequals(h.name, name); });
}

void set_header(http::Request& r, std::string_view name, std::string value) {
  remove_header(r, name);
  r.headers.push_back({std::string(name), std::move(value)});
}

TEST(Accept, Rfc6455Example) { EXPECT_EQ(compute_accept(kRfcKey), kRfcAccept); }

TEST(Accept, EncodeKeyOfTheRfcNonce) {
  const std::string nonce = "the sample nonce";
  std::array<std::uint8_t, 16> bytes{};
  std::copy(nonce.begin(), nonce.end(), bytes.begin());
  EXPECT_EQ(encode_key(bytes), kRfcKey);
}

TEST(Key, ValidAndInvalidKeys) {
  EXPECT_TRUE(is_valid_key(kRfcKey));
  EXPECT_TRUE(is_valid_key("AAAAAAAAAAAAAAAAAAAAAA=="));
  EXPECT_TRUE(is_valid_key("+/+/+/+/+/+/+/+/+/+/+w=="));
  EXPECT_FALSE(is_valid_key(""));
  EXPECT_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ="));     // 23 chars
  EXPECT_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ"));      // no padding
  EXPECT_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ=A"));    // bad padding
  EXPECT_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZ*=="));    // not base64
  EXPECT_FALSE(is_valid_key("AAAAAAAAAAAAAAAAAAAAAAAAAAA="));  // 20 bytes
  EXPECT_FALSE(is_valid_key(" dGhlIHNhbXBsZSBub25jZQ=="));
}

TEST(CheckHandshake, AcceptsTheRfcRequest) {
  const HandshakeVerdict v = check_handshake(good_request(), ProtocolConfig{});
  EXPECT_EQ(v.status, 101);
  EXPECT_TRUE(v.body.empty());
  EXPECT_FALSE(v.broadcast);
  ASSERT_EQ(v.headers.size(), 3u);
  EXPECT_EQ(v.headers[0].name, "Upgrade");
  EXPECT_EQ(v.headers[0].value, "websocket");
  EXPECT_EQ(v.headers[1].name, "Connection");
  EXPECT_EQ(v.headers[1].value, "Upgrade");
  EXPECT_EQ(v.headers[2].name, "Sec-WebSocket-Accept");
  EXPECT_EQ(v.headers[2].value, kRfcAccept);
}

TEST(CheckHandshake, TokenListsAndCaseAreAccepted) {
  http::Request r = good_request();
  set_header(r, "Connection", "keep-alive, Upgrade");
  set_header(r, "upgrade", "WebSocket");
  EXPECT_EQ(check_handshake(r, ProtocolConfig{}).status, 101);
}

TEST(CheckHandshake, PermessageDeflateOfferGetsNoExtension) {
  http::Request r = good_request();
  r.headers.push_back({"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"});
  const HandshakeVerdict v = check_handshake(r, ProtocolConfig{});
  EXPECT_EQ(v.status, 101);
  for (const http::Header& h : v.headers) {
    EXPECT_FALSE(http::iequals(h.name, "Sec-WebSocket-Extensions"));
  }
}

struct RefusalCase {
  std::string name;
  std::function<void(http::Request&)> mutate;
  int status;
};

// Readable parameter names in failure messages.
void PrintTo(const RefusalCase& c, std::ostream* os) {
  *os << c.name;
}

std::vector<RefusalCase> refusal_cases() {
  return {
      {"post", [](http::Request& r) { r.method = "POST"; }, 400},
      {"head", [](http::Request& r) { r.method = "HEAD"; }, 400},
      {"lowercase_get", [](http::Request& r) { r.method = "get"; }, 400},
      {"http10", [](http::Request& r) { r.version_minor = 0; }, 400},
      {"no_host", [](http::Request& r) { remove_header(r, "Host"); }, 400},
      {"no_upgrade", [](http::Request& r) { remove_header(r, "Upgrade"); }, 400},
      {"upgrade_h2c", [](http::Request& r) { set_header(r, "Upgrade", "h2c"); }, 400},
      {"no_connection", [](http::Request& r) { remove_header(r, "Connection"); }, 400},
      {"connection_keep_alive", [](http::Request& r) { set_header(r, "Connection", "keep-alive"); },
       400},
      {"no_key", [](http::Request& r) { remove_header(r, "Sec-WebSocket-Key"); }, 400},
      {"short_key", [](http::Request& r) { set_header(r, "Sec-WebSocket-Key", "abc"); }, 400},
      {"key_of_20_bytes",
       [](http::Request& r) { set_header(r, "Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="); },
       400},
      {"two_keys",
       [](http::Request& r) { r.headers.push_back({"Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA=="}); },
       400},
      {"no_version", [](http::Request& r) { remove_header(r, "Sec-WebSocket-Version"); }, 400},
      {"version_8", [](http::Request& r) { set_header(r, "Sec-WebSocket-Version", "8"); }, 426},
      {"version_14", [](http::Request& r) { set_header(r, "Sec-WebSocket-Version", "14"); }, 426},
      {"version_list", [](http::Request& r) { set_header(r, "Sec-WebSocket-Version", "13, 8"); },
       426},
      {"version_empty", [](http::Request& r) { set_header(r, "Sec-WebSocket-Version", ""); }, 426},
  };
}

class RefusalTest : public ::testing::TestWithParam<RefusalCase> {};

TEST_P(RefusalTest, NeverUpgrades) {
  http::Request r = good_request();
  GetParam().mutate(r);
  const HandshakeVerdict v = check_handshake(r, ProtocolConfig{});
  EXPECT_EQ(v.status, GetParam().status);
  EXPECT_FALSE(v.body.empty());
  if (v.status == 426) {
    ASSERT_EQ(v.headers.size(), 1u);
    EXPECT_EQ(v.headers[0].name, "Sec-WebSocket-Version");
    EXPECT_EQ(v.headers[0].value, "13");
  } else {
    EXPECT_TRUE(v.headers.empty());
  }
  const UpgradeResult u = upgrade(r, ProtocolConfig{});
  EXPECT_EQ(u.status, GetParam().status);
  EXPECT_EQ(u.session, nullptr);
  EXPECT_EQ(u.body, v.body);
}

INSTANTIATE_TEST_SUITE_P(Handshake, RefusalTest, ::testing::ValuesIn(refusal_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(CheckHandshake, ReasonsNameTheProblem) {
  http::Request r = good_request();
  remove_header(r, "Sec-WebSocket-Key");
  EXPECT_EQ(check_handshake(r, ProtocolConfig{}).body, "missing Sec-WebSocket-Key");
}

// --- token ---

TEST(Token, Rfc4231HmacSha256Vector) {
  EXPECT_EQ(compute_token("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Token, VerifiesOnlyTheExactLowerCaseToken) {
  const std::string t = compute_token("s3cret", "42");
  EXPECT_TRUE(verify_token("s3cret", "42", t));
  EXPECT_FALSE(verify_token("s3cret", "43", t));
  EXPECT_FALSE(verify_token("other", "42", t));
  std::string upper = t;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(verify_token("s3cret", "42", upper));
  EXPECT_FALSE(verify_token("s3cret", "42", t.substr(0, 63)));
  EXPECT_FALSE(verify_token("s3cret", "42", ""));
}

struct TokenCase {
  std::string name;
  std::string query;
  int status;
};

// Readable parameter names in failure messages.
void PrintTo(const TokenCase& c, std::ostream* os) {
  *os << c.name;
}

std::vector<TokenCase> token_cases() {
  const std::string good = compute_token("s3cret", "42");
  std::string flipped = good;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  return {
      {"valid", "uid=42&token=" + good, 101},
      {"valid_reordered", "token=" + good + "&uid=42&x=1", 101},
      {"valid_percent_encoded_uid",
       "uid=a%20b&token=" + compute_token("s3cret", "a b"), 101},
      {"no_query", "", 403},
      {"uid_only", "uid=42", 403},
      {"token_only", "token=" + good, 403},
      {"wrong_uid", "uid=43&token=" + good, 403},
      {"one_char_off", "uid=42&token=" + flipped, 403},
      {"truncated", "uid=42&token=" + good.substr(0, 32), 403},
      {"empty_token", "uid=42&token=", 403},
  };
}

class TokenHandshakeTest : public ::testing::TestWithParam<TokenCase> {};

TEST_P(TokenHandshakeTest, ChecksUidAndToken) {
  ProtocolConfig config;
  config.ws_token_secret = "s3cret";
  const HandshakeVerdict v = check_handshake(good_request("/chat", GetParam().query), config);
  EXPECT_EQ(v.status, GetParam().status);
  EXPECT_EQ(v.body.empty(), GetParam().status == 101);
}

INSTANTIATE_TEST_SUITE_P(Token, TokenHandshakeTest, ::testing::ValuesIn(token_cases()),
                         [](const auto& info) { return info.param.name; });

TEST(CheckHandshake, NoSecretMeansNoTokenNeeded) {
  EXPECT_EQ(check_handshake(good_request("/chat", "uid=1&token=bad"), ProtocolConfig{}).status, 101);
}

// --- /broadcast ---

TEST(Broadcast, RefusedWith501AndTheReasonWhereTheArchitectureCannot) {
  ProtocolConfig config;
  config.can_broadcast = false;
  config.broadcast_refusal = "each connection lives in its own process";
  const UpgradeResult u = upgrade(good_request("/broadcast"), config);
  EXPECT_EQ(u.status, 501);
  EXPECT_EQ(u.body, "each connection lives in its own process");
  EXPECT_EQ(u.session, nullptr);
}

TEST(Broadcast, JoinsTheGroupWhereTheArchitectureCan) {
  ProtocolConfig config;
  config.can_broadcast = true;
  const UpgradeResult u = upgrade(good_request("/broadcast"), config);
  ASSERT_EQ(u.status, 101);
  ASSERT_NE(u.session, nullptr);
  EXPECT_EQ(u.session->broadcast_group(), "/broadcast");
}

TEST(Broadcast, OtherPathsAreNotBroadcast) {
  ProtocolConfig config;  // can_broadcast false: other paths must still upgrade
  for (const char* path : {"/", "/chat", "/broadcast/", "/broadcastx", "/Broadcast"}) {
    const UpgradeResult u = upgrade(good_request(path), config);
    ASSERT_EQ(u.status, 101) << path;
    EXPECT_TRUE(u.session->broadcast_group().empty()) << path;
  }
}

TEST(Broadcast, BadTokenIsRefusedBeforeBroadcast) {
  ProtocolConfig config;
  config.ws_token_secret = "k";
  EXPECT_EQ(upgrade(good_request("/broadcast"), config).status, 403);
}

// --- upgrade() ---

TEST(Upgrade, IsUpgradeRequest) {
  http::Request r = good_request();
  EXPECT_TRUE(is_upgrade_request(r));
  set_header(r, "Upgrade", "h2c, WebSocket");
  EXPECT_TRUE(is_upgrade_request(r));
  remove_header(r, "Upgrade");
  EXPECT_FALSE(is_upgrade_request(r));
}

TEST(Upgrade, ReturnsAWorkingSession) {
  UpgradeResult u = upgrade(good_request(), ProtocolConfig{});
  ASSERT_EQ(u.status, 101);
  ASSERT_NE(u.session, nullptr);
  EXPECT_TRUE(u.body.empty());
  const testing::Collected c =
      testing::feed(*u.session, testing::client_frame(Opcode::kText, "hi"));
  EXPECT_EQ(c.bytes, encode_frame(Opcode::kText, "hi"));
  EXPECT_FALSE(c.close);
}

// --- client side ---

TEST(ClientHandshake, BuildsTheRequest) {
  EXPECT_EQ(build_client_handshake("127.0.0.1:8080", "/chat?uid=1", kRfcKey,
                                   {{"Origin", "http://x"}}),
            "GET /chat?uid=1 HTTP/1.1\r\n"
            "Host: 127.0.0.1:8080\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "Origin: http://x\r\n"
            "\r\n");
}

TEST(ClientHandshake, VerifiesTheServersAnswer) {
  const std::vector<http::Header> good = {
      {"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Accept", kRfcAccept}};
  EXPECT_EQ(verify_server_handshake(101, good, kRfcKey), "");
  EXPECT_NE(verify_server_handshake(200, good, kRfcKey), "");
  EXPECT_NE(verify_server_handshake(101, good, "AAAAAAAAAAAAAAAAAAAAAA=="), "");
  auto without = [&](std::string_view name) {
    std::vector<http::Header> h = good;
    std::erase_if(h, [&](const http::Header& x) { return x.name == name; });
    return h;
  };
  EXPECT_NE(verify_server_handshake(101, without("Upgrade"), kRfcKey), "");
  EXPECT_NE(verify_server_handshake(101, without("Connection"), kRfcKey), "");
  EXPECT_NE(verify_server_handshake(101, without("Sec-WebSocket-Accept"), kRfcKey), "");
  std::vector<http::Header> extension = good;
  extension.push_back({"Sec-WebSocket-Extensions", "permessage-deflate"});
  EXPECT_NE(verify_server_handshake(101, extension, kRfcKey), "");
}

TEST(ClientHandshake, ServerVerdictPassesTheClientCheck) {
  const HandshakeVerdict v = check_handshake(good_request(), ProtocolConfig{});
  EXPECT_EQ(verify_server_handshake(v.status, v.headers, kRfcKey), "");
}

}  // namespace
}  // namespace archbench::websocket
