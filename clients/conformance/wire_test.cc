// Unit tests of the conformance client's own pieces: the WebSocket frame encoder and Accept
// value against RFC 6455's examples, the UTF-8 checker, the catalogue's naming rules, and the
// blocking socket and HTTP response reader against a scripted local peer.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "clients/conformance/case_catalogue.h"
#include "clients/conformance/http_wire.h"
#include "clients/conformance/websocket_wire.h"

namespace archbench::conformance {
namespace {

TEST(WebSocketWireTest, MaskedHelloMatchesRfc6455Example) {
  // RFC 6455 5.7: a single-frame masked text message "Hello" with mask key 37 fa 21 3d.
  EXPECT_EQ(ws_wire::frame(ws_wire::kText, "Hello"),
            std::string("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11));
}

TEST(WebSocketWireTest, LengthEncodings) {
  EXPECT_EQ(ws_wire::encode(
                {.opcode = ws_wire::kBinary, .payload = std::string(125, 'a'), .masked = false})
                .substr(0, 2),
            std::string("\x82\x7d", 2));
  EXPECT_EQ(ws_wire::encode(
                {.opcode = ws_wire::kBinary, .payload = std::string(126, 'a'), .masked = false})
                .substr(0, 4),
            std::string("\x82\x7e\x00\x7e", 4));
  EXPECT_EQ(ws_wire::encode(
                {.opcode = ws_wire::kBinary, .payload = std::string(65536, 'a'), .masked = false})
                .substr(0, 10),
            std::string("\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10));
  EXPECT_EQ(ws_wire::encode({.fin = false, .rsv = 5, .opcode = 0xB, .payload = ""})[0],
            static_cast<char>(0x5B));
}

TEST(WebSocketWireTest, AcceptMatchesRfc6455Example) {
  EXPECT_EQ(ws_wire::accept_for("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocketWireTest, Utf8Checker) {
  EXPECT_TRUE(ws_wire::is_valid_utf8(""));
  EXPECT_TRUE(ws_wire::is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e \xf4\x8f\xbf\xbf"));
  for (const char* bad : {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff",
                          "\x80", "\xc3", "\xe2\x82", "a\xf0\x9d\x84"}) {
    EXPECT_FALSE(ws_wire::is_valid_utf8(bad)) << printable(bad);
  }
}

TEST(CatalogueTest, NamesAreUniqueAndStructured) {
  std::set<std::string> protocols(protocol_names().begin(), protocol_names().end());
  std::set<std::string> names;
  for (const Case& c : all_cases()) {
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
    EXPECT_TRUE(protocols.count(c.protocol)) << c.name;
    EXPECT_EQ(c.name.rfind(c.protocol + "." + c.group + ".", 0), 0u) << c.name;
    EXPECT_TRUE(c.run) << c.name;
  }
  for (const std::string& p : protocol_names()) EXPECT_FALSE(select_cases(p).empty()) << p;
  EXPECT_TRUE(select_cases("gopher").empty());
}

TEST(PrintableTest, EscapesAndTruncates) {
  EXPECT_EQ(printable(std::string("a\r\n\0\xff\\", 6)), "a\\r\\n\\x00\\xff\\\\");
  EXPECT_EQ(printable(std::string(10, 'x'), 4), "xxxx...(10 bytes)");
}

// A one-connection scripted peer on 127.0.0.1: sends `script` after accepting, then closes.
class ScriptedPeer {
 public:
  explicit ScriptedPeer(std::string script) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 1);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, script = std::move(script)] {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      (void)!::write(fd, script.data(), script.size());
      ::close(fd);
    });
  }
  ~ScriptedPeer() {
    thread_.join();
    ::close(listen_fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST(HttpWireTest, ReadsResponseAndSeesClose) {
  ScriptedPeer peer(
      "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: archbench/test\r\n"
      "Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello");
  BlockingSocket s = BlockingSocket::connect("127.0.0.1", peer.port(), Millis(2000));
  http_wire::Response r = http_wire::read_response(s, "scripted");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello");
  EXPECT_NO_THROW(http_wire::expect_standard_headers(r, "scripted"));
  EXPECT_NO_THROW(expect_closed(s, Millis(2000), "scripted"));
}

TEST(HttpWireTest, MalformedStatusLineFails) {
  ScriptedPeer peer("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n");
  BlockingSocket s = BlockingSocket::connect("127.0.0.1", peer.port(), Millis(2000));
  EXPECT_THROW(http_wire::read_response(s, "scripted"), CaseFailure);
}

TEST(HttpWireTest, MissingServerHeaderFails) {
  ScriptedPeer peer(
      "HTTP/1.1 200 OK\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
      "Content-Type: text/plain\r\nContent-Length: 0\r\n\r\n");
  BlockingSocket s = BlockingSocket::connect("127.0.0.1", peer.port(), Millis(2000));
  http_wire::Response r = http_wire::read_response(s, "scripted");
  EXPECT_THROW(http_wire::expect_standard_headers(r, "scripted"), CaseFailure);
}

TEST(WebSocketWireTest, ServerFrameChecks) {
  // A close 1002 from a server, then a masked server frame (illegal).
  ScriptedPeer peer(std::string("\x88\x02\x03\xea", 4) +
                    std::string("\x81\x81\x00\x00\x00\x00a", 7));
  BlockingSocket s = BlockingSocket::connect("127.0.0.1", peer.port(), Millis(2000));
  ws_wire::Frame f = ws_wire::read_frame(s, "scripted");
  EXPECT_EQ(f.opcode, ws_wire::kClose);
  EXPECT_EQ(f.payload, std::string("\x03\xea", 2));
  EXPECT_THROW(ws_wire::read_frame(s, "scripted"), CaseFailure);
}

TEST(BlockingSocketTest, ReadTimesOutWithReason) {
  ScriptedPeer peer("ab");
  BlockingSocket s = BlockingSocket::connect("127.0.0.1", peer.port(), Millis(200));
  try {
    s.read_exact(3);
    FAIL() << "expected an error";
  } catch (const SocketError& error) {
    // The peer closes after "ab": either a close or (if slower) a timeout, both name "ab".
    EXPECT_NE(std::string(error.what()).find("\"ab\""), std::string::npos) << error.what();
  }
}

TEST(BlockingSocketTest, ConnectRefusedIsAnError) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::uint16_t port = ntohs(addr.sin_port);  // bound, not listening: connect is refused
  EXPECT_THROW(BlockingSocket::connect("127.0.0.1", port, Millis(1000)), SocketError);
  ::close(fd);
}

}  // namespace
}  // namespace archbench::conformance
