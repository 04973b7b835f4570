// RFC 6455 from the client's side, for the conformance cases: frames built byte by byte (so the
// cases can build wrong ones on purpose), a strict reader of server frames, the opening
// handshake with a Sec-WebSocket-Accept check, and the close checks every case ends with.
//
// Thread-safety: free functions and plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "clients/conformance/blocking_socket.h"
#include "clients/conformance/conformance_case.h"
#include "clients/conformance/http_wire.h"

namespace archbench::conformance::ws_wire {

enum Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

std::string opcode_name(std::uint8_t opcode);

// A client frame, exactly as it will be sent. rsv holds the three RSV bits as 0..7 (RSV1 = 4).
struct FrameSpec {
  bool fin = true;
  std::uint8_t rsv = 0;
  std::uint8_t opcode = kText;
  std::string_view payload;
  bool masked = true;  // clients must mask; false builds the illegal unmasked frame
};

// Encodes with the minimal length encoding (7-bit, 16-bit or 64-bit) and a fixed mask key.
std::string encode(const FrameSpec& spec);
// A masked frame; fin=false starts or continues a fragmented message.
std::string frame(std::uint8_t opcode, std::string_view payload, bool fin = true);
// A close frame carrying `code` and `reason` (as is: the cases send invalid ones too).
std::string close_frame(std::uint16_t code, std::string_view reason = {});

struct Frame {
  bool fin = true;
  std::uint8_t opcode = 0;
  std::string payload;
};

// Reads one server frame. A server frame that is masked, has RSV bits set, uses an unknown
// opcode or a non-minimal length... is a failure (CaseFailure), as is a timeout (SocketError).
Frame read_frame(BlockingSocket& socket, const std::string& what);

// The Sec-WebSocket-Accept value for a key: base64(SHA-1(key + GUID)) (RFC 6455 4.2.2).
std::string accept_for(std::string_view key);
// A fresh Sec-WebSocket-Key: base64 of 16 random bytes.
std::string make_key(CaseContext& ctx);

// "GET <path> HTTP/1.1" with Host, Upgrade, Connection, Sec-WebSocket-Key and -Version 13, plus
// extra_headers (each ending in "\r\n").
std::string handshake_request(std::string_view path, std::string_view key,
                              std::string_view extra_headers = {});

// Checks a 101 reply: Upgrade: websocket, Connection: Upgrade, the right Accept value, and no
// Sec-WebSocket-Extensions (nothing is negotiated).
void expect_switching(const http_wire::Response& response, std::string_view key,
                      const std::string& what);

// A new connection with the handshake done on `path`.
BlockingSocket open(CaseContext& ctx, std::string_view path = "/");

// Reads one data message, reassembling fragments. Any control frame on the way fails the case
// (cases that expect pongs read them explicitly).
struct Message {
  std::uint8_t opcode = 0;
  std::string payload;
};
Message read_message(BlockingSocket& socket, const std::string& what);
void expect_message(BlockingSocket& socket, std::uint8_t opcode, std::string_view payload,
                    const std::string& what);
void expect_pong(BlockingSocket& socket, std::string_view payload, const std::string& what);

// The next frame must be a close with `code` (and a valid payload). The case then answers the
// close, and the server must close the TCP connection within the socket's timeout.
void expect_close(BlockingSocket& socket, std::uint16_t code, const std::string& what);
// Same, but for a peer-initiated clean close: the code must be `code` or 1000, or absent when
// `allow_empty`.
void expect_close_echo(BlockingSocket& socket, std::uint16_t code, bool allow_empty,
                       const std::string& what);

// The client starts a clean close (1000) and expects the close handshake and the TCP close.
void close_cleanly(BlockingSocket& socket, const std::string& what);

bool is_valid_utf8(std::string_view text);

}  // namespace archbench::conformance::ws_wire
