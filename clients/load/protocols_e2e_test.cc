// Every protocol and HTTP route end to end: the load engine against the protocol suite's own
// Session for that protocol, served in-process on loopback. A clean run means every reply was
// parsed and verified byte for byte.
#include <gtest/gtest.h>

#include <memory>

#include "clients/load/engine.h"
#include "clients/load/test_server.h"

namespace archbench::load {
namespace {

using testing::Behaviour;
using testing::ServerConfig;
using testing::TestServer;

constexpr std::uint64_t kRequests = 300;

ServerConfig serving(Protocol protocol) {
  ServerConfig config;
  config.behaviour = Behaviour::kSession;
  config.protocol = protocol;
  return config;
}

Options options_for(const TestServer& server, Protocol protocol) {
  Options o;
  o.port = server.port();
  o.protocol = protocol;
  o.threads = 2;
  o.connections = 4;
  o.requests = kRequests;
  o.timeout_ms = 2000;
  o.message_size = 200;
  return o;
}

RunResult run(const Options& o) {
  return run_load(o, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), o.port));
}

void expect_clean(const RunResult& result) {
  const ErrorCounts& e = result.total.errors();
  EXPECT_TRUE(result.clean()) << "connect " << e.connect << " read " << e.read << " write "
                              << e.write << " timeout " << e.timeout << " wrong "
                              << e.wrong_reply << " non-2xx " << e.http_non_2xx
                              << (result.total.wrong_replies().empty()
                                      ? std::string()
                                      : "; first wrong: expected " +
                                            result.total.wrong_replies()[0].expected + ", got " +
                                            result.total.wrong_replies()[0].got);
  EXPECT_EQ(result.total.requests(), kRequests);
}

struct Case {
  const char* name;
  Protocol protocol;
  void (*adjust)(Options&);
};

class EndToEndTest : public ::testing::TestWithParam<Case> {};

TEST_P(EndToEndTest, EveryReplyVerifies) {
  const Case& c = GetParam();
  TestServer server(serving(c.protocol));
  Options o = options_for(server, c.protocol);
  c.adjust(o);
  expect_clean(run(o));
}

INSTANTIATE_TEST_SUITE_P(
    Protocols, EndToEndTest,
    ::testing::Values(
        Case{"echo", Protocol::kEcho, [](Options&) {}},
        Case{"echo_pipelined", Protocol::kEcho, [](Options& o) { o.pipeline = 8; }},
        Case{"eof", Protocol::kEof, [](Options&) {}},
        Case{"eof_open_loop", Protocol::kEof, [](Options& o) {
               o.requests = 0;
               o.duration_s = 0.3;
               o.rate = 1000;
             }},
        Case{"length", Protocol::kLength, [](Options& o) { o.message_size = 70'000; }},
        Case{"length_empty", Protocol::kLength, [](Options& o) { o.message_size = 0; }},
        Case{"timer", Protocol::kTimer, [](Options& o) { o.timer_ms = 5; }},
        Case{"timer_pipelined", Protocol::kTimer, [](Options& o) {
               o.timer_ms = 2;
               o.pipeline = 4;
             }},
        Case{"http_root", Protocol::kHttp, [](Options&) {}},
        Case{"http_json", Protocol::kHttp, [](Options& o) { o.path = "/json"; }},
        Case{"http_post_echo", Protocol::kHttp, [](Options& o) {
               o.method = "POST";
               o.path = "/echo";
               o.body_size = 5000;
             }},
        Case{"http_bytes", Protocol::kHttp, [](Options& o) { o.path = "/bytes?n=10000"; }},
        Case{"http_head", Protocol::kHttp, [](Options& o) { o.method = "HEAD"; }},
        Case{"http_inspect", Protocol::kHttp, [](Options& o) { o.path = "/inspect?a=1"; }},
        Case{"http_inspect_encoded_no_keepalive", Protocol::kHttp, [](Options& o) {
               o.path = "/insp%65ct?b=x%20y&a=1&a=2&flag";
               o.keepalive = false;
             }},
        Case{"http_pipelined", Protocol::kHttp, [](Options& o) { o.pipeline = 16; }},
        Case{"http_no_keepalive", Protocol::kHttp, [](Options& o) { o.keepalive = false; }},
        Case{"websocket_text", Protocol::kWebSocket, [](Options&) {}},
        Case{"websocket_binary_large", Protocol::kWebSocket, [](Options& o) {
               o.ws_binary = true;
               o.message_size = 70'000;
             }},
        Case{"http_sleep", Protocol::kHttp, [](Options& o) { o.path = "/sleep?ms=1"; }}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(EndToEndTest, AnnouncedCloseResendsThePipelinedRequests) {
  // Every third response says "Connection: close" and the server closes after it, dropping the
  // requests pipelined behind it (nginx does this after keepalive_requests): no error, and the
  // dropped requests are answered on the next connection.
  ServerConfig config;
  config.behaviour = Behaviour::kCustom;
  auto answered = std::make_shared<int>(0);
  config.reply_for = [answered](const std::string& pending) {
    ServerConfig::CannedReply reply;
    const auto end = pending.find("\r\n\r\n");
    if (end == std::string::npos) return reply;
    reply.used = end + 4;
    reply.close = ++*answered % 3 == 0;
    reply.bytes = std::string("HTTP/1.1 200 OK\r\nServer: t\r\nDate: d\r\n") +
                  "Content-Type: text/plain\r\nContent-Length: 11\r\n" +
                  (reply.close ? "Connection: close\r\n" : "") + "\r\nHello World";
    return reply;
  };
  TestServer server(config);
  Options o = options_for(server, Protocol::kHttp);
  o.pipeline = 4;
  expect_clean(run(o));
  EXPECT_GE(server.connections_accepted(), kRequests / 3);
}

TEST(EndToEndErrorsTest, NotFoundCountsAsNon2xxNotAsWrong) {
  TestServer server(serving(Protocol::kHttp));
  Options o = options_for(server, Protocol::kHttp);
  o.path = "/no-such-page";
  const RunResult result = run(o);
  EXPECT_EQ(result.total.errors().http_non_2xx, kRequests);
  EXPECT_EQ(result.total.errors().wrong_reply, 0u);
  EXPECT_EQ(result.total.requests(), kRequests);  // answered, and timed
  EXPECT_FALSE(result.clean());
}

TEST(EndToEndErrorsTest, EchoedHandshakeIsAWrongReply) {
  // A server that is not speaking WebSocket (here: echo, which reflects the upgrade request).
  TestServer server(serving(Protocol::kEcho));
  Options o = options_for(server, Protocol::kWebSocket);
  o.requests = 0;
  o.duration_s = 0.3;
  const RunResult result = run(o);
  EXPECT_GE(result.total.errors().wrong_reply, 1u);
  ASSERT_FALSE(result.total.wrong_replies().empty());
  EXPECT_NE(result.total.wrong_replies()[0].expected.find("handshake"), std::string::npos);
}

TEST(EndToEndErrorsTest, TimerLatenessIsSmallComparedWithTheDelay) {
  // Lateness = arrival - (send + ms): with AFTER 50 the recorded values must be far below 50 ms
  // (a client that forgot to subtract the delay would record >= 50 000 us for every request).
  TestServer server(serving(Protocol::kTimer));
  Options o = options_for(server, Protocol::kTimer);
  o.timer_ms = 50;
  o.requests = 100;
  o.connections = 20;
  const RunResult result = run(o);
  EXPECT_TRUE(result.clean());
  EXPECT_LT(result.total.latency().value_at_percentile(50), 50'000u);
}

}  // namespace
}  // namespace archbench::load
