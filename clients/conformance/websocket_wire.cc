#include "clients/conformance/websocket_wire.h"

#include <openssl/evp.h>

namespace archbench::conformance::ws_wire {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr unsigned char kMaskKey[4] = {0x37, 0xfa, 0x21, 0x3d};
// Server frames bigger than this are refused by the reader (the cases never ask for more).
constexpr std::uint64_t kMaxServerPayload = std::uint64_t{64} << 20;

std::string base64(const unsigned char* data, int size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, size);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string describe(const Frame& f) {
  return opcode_name(f.opcode) + (f.fin ? "" : " (FIN=0)") + " frame, " +
         std::to_string(f.payload.size()) + " bytes \"" + printable(f.payload, 48) + "\"";
}

std::string close_description(const Frame& f) {
  if (f.payload.size() < 2) return "close without a code";
  const unsigned code =
      (static_cast<unsigned char>(f.payload[0]) << 8) | static_cast<unsigned char>(f.payload[1]);
  return "close " + std::to_string(code) +
         (f.payload.size() > 2 ? " \"" + printable(f.payload.substr(2), 48) + "\"" : "");
}

// Reads the next frame, turning "the server just closed TCP" into a readable failure.
Frame next_frame(BlockingSocket& socket, const std::string& expected, const std::string& what) {
  try {
    return read_frame(socket, what);
  } catch (const SocketError& error) {
    fail(what + ": expected " + expected + ", but " + error.what());
  }
}

// Checks a close frame's payload (RFC 6455 5.5.1, 7.4) and returns its code, 0 when absent.
unsigned close_code(const Frame& f, const std::string& what) {
  if (f.payload.empty()) return 0;
  expect(f.payload.size() >= 2, what + ": server sent a 1-byte close payload");
  expect(is_valid_utf8(std::string_view(f.payload).substr(2)),
         what + ": server's close reason is not valid UTF-8");
  return (static_cast<unsigned char>(f.payload[0]) << 8) | static_cast<unsigned char>(f.payload[1]);
}

// After the server's close frame: answer it (the server may already be gone) and require the
// TCP close.
void finish_close(BlockingSocket& socket, unsigned code, const std::string& what) {
  socket.write_all_or_closed(close_frame(static_cast<std::uint16_t>(code == 0 ? 1000 : code)));
  expect_closed(socket, socket.timeout(), what + ": TCP close after the close handshake");
}

}  // namespace

std::string opcode_name(std::uint8_t opcode) {
  switch (opcode) {
    case kContinuation:
      return "continuation";
    case kText:
      return "text";
    case kBinary:
      return "binary";
    case kClose:
      return "close";
    case kPing:
      return "ping";
    case kPong:
      return "pong";
    default:
      return "opcode " + std::to_string(opcode);
  }
}

std::string encode(const FrameSpec& spec) {
  std::string out;
  out.push_back(
      static_cast<char>((spec.fin ? 0x80 : 0) | ((spec.rsv & 7) << 4) | (spec.opcode & 0x0f)));
  const std::uint64_t n = spec.payload.size();
  const char mask_bit = spec.masked ? static_cast<char>(0x80) : 0;
  if (n < 126) {
    out.push_back(static_cast<char>(mask_bit | static_cast<char>(n)));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  }
  if (!spec.masked) {
    out.append(spec.payload);
    return out;
  }
  out.append(reinterpret_cast<const char*>(kMaskKey), 4);
  const std::size_t start = out.size();
  out.append(spec.payload);
  for (std::size_t i = 0; i < spec.payload.size(); ++i) {
    out[start + i] = static_cast<char>(out[start + i] ^ kMaskKey[i & 3]);
  }
  return out;
}

std::string frame(std::uint8_t opcode, std::string_view payload, bool fin) {
  return encode({.fin = fin, .opcode = opcode, .payload = payload});
}

std::string close_frame(std::uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xff));
  payload.append(reason);
  return frame(kClose, payload);
}

Frame read_frame(BlockingSocket& socket, const std::string& what) {
  const std::string head = socket.read_exact(2);
  const auto b0 = static_cast<unsigned char>(head[0]);
  const auto b1 = static_cast<unsigned char>(head[1]);
  Frame f;
  f.fin = (b0 & 0x80) != 0;
  f.opcode = b0 & 0x0f;
  expect((b0 & 0x70) == 0, what + ": server frame has RSV bits set (" + std::to_string(b0) + ")");
  expect((b1 & 0x80) == 0, what + ": server frame is masked (servers must not mask)");
  const bool known = f.opcode <= kBinary || (f.opcode >= kClose && f.opcode <= kPong);
  expect(known, what + ": server frame uses reserved " + opcode_name(f.opcode));
  std::uint64_t n = b1 & 0x7f;
  if (n == 126) {
    const std::string ext = socket.read_exact(2);
    n = (static_cast<unsigned char>(ext[0]) << 8) | static_cast<unsigned char>(ext[1]);
    expect(n >= 126, what + ": server used a 16-bit length for " + std::to_string(n) + " bytes");
  } else if (n == 127) {
    const std::string ext = socket.read_exact(8);
    n = 0;
    for (char c : ext) n = (n << 8) | static_cast<unsigned char>(c);
    expect(n > 0xffff, what + ": server used a 64-bit length for " + std::to_string(n) + " bytes");
  }
  expect(n <= kMaxServerPayload, what + ": server frame of " + std::to_string(n) + " bytes");
  if (f.opcode >= kClose) {
    expect(f.fin, what + ": server sent a fragmented " + opcode_name(f.opcode));
    expect(n <= 125, what + ": server control frame of " + std::to_string(n) + " bytes");
  }
  f.payload = socket.read_exact(static_cast<std::size_t>(n));
  return f;
}

std::string accept_for(std::string_view key) {
  const std::string input = std::string(key) + std::string(kGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr);
  return base64(digest, static_cast<int>(size));
}

std::string make_key(CaseContext& ctx) {
  const std::string nonce = ctx.random_bytes(16);
  return base64(reinterpret_cast<const unsigned char*>(nonce.data()), 16);
}

std::string handshake_request(std::string_view path, std::string_view key,
                              std::string_view extra_headers) {
  return "GET " + std::string(path) +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: " +
         std::string(key) + "\r\nSec-WebSocket-Version: 13\r\n" + std::string(extra_headers) +
         "\r\n";
}

void expect_switching(const http_wire::Response& r, std::string_view key, const std::string& what) {
  http_wire::expect_status(r, 101, what);
  expect(r.header_has_token("Upgrade", "websocket"), what + ": 101 without Upgrade: websocket");
  expect(r.header_has_token("Connection", "Upgrade"), what + ": 101 without Connection: Upgrade");
  const std::string* accept = r.header("Sec-WebSocket-Accept");
  expect(accept != nullptr, what + ": 101 without Sec-WebSocket-Accept");
  expect(*accept == accept_for(key), what + ": Sec-WebSocket-Accept \"" + printable(*accept) +
                                         "\", expected \"" + accept_for(key) + "\"");
  if (const std::string* extensions = r.header("Sec-WebSocket-Extensions")) {
    fail(what + ": server negotiated an extension: " + *extensions);
  }
}

BlockingSocket open(CaseContext& ctx, std::string_view path) {
  BlockingSocket socket = ctx.connect();
  const std::string key = make_key(ctx);
  socket.write_all(handshake_request(path, key));
  const std::string what = "handshake on " + std::string(path);
  expect_switching(http_wire::read_response(socket, what), key, what);
  return socket;
}

Message read_message(BlockingSocket& socket, const std::string& what) {
  Message m;
  bool started = false;
  while (true) {
    Frame f = next_frame(socket, "a data message", what);
    if (f.opcode == kClose) fail(what + ": expected a data message, got " + close_description(f));
    if (f.opcode >= kClose) fail(what + ": expected a data message, got " + describe(f));
    if (!started) {
      expect(f.opcode != kContinuation, what + ": server sent a continuation with nothing open");
      m.opcode = f.opcode;
      started = true;
    } else {
      expect(f.opcode == kContinuation,
             what + ": server started a new message inside a fragmented one");
    }
    m.payload += f.payload;
    if (f.fin) break;
  }
  if (m.opcode == kText) {
    expect(is_valid_utf8(m.payload), what + ": server sent a text message with invalid UTF-8");
  }
  return m;
}

void expect_message(BlockingSocket& socket, std::uint8_t opcode, std::string_view payload,
                    const std::string& what) {
  Message m = read_message(socket, what);
  expect(m.opcode == opcode,
         what + ": expected a " + opcode_name(opcode) + " message, got " + opcode_name(m.opcode));
  expect_bytes(m.payload, payload, what);
}

void expect_pong(BlockingSocket& socket, std::string_view payload, const std::string& what) {
  Frame f = next_frame(socket, "a pong", what);
  if (f.opcode != kPong) fail(what + ": expected a pong, got " + describe(f));
  expect_bytes(f.payload, payload, what + ": pong payload");
}

void expect_close(BlockingSocket& socket, std::uint16_t code, const std::string& what) {
  const std::string expected = "close " + std::to_string(code);
  Frame f = next_frame(socket, expected, what);
  if (f.opcode != kClose) fail(what + ": expected " + expected + ", got " + describe(f));
  const unsigned got = close_code(f, what);
  expect(got == code, what + ": expected " + expected + ", got " + close_description(f));
  finish_close(socket, got, what);
}

void expect_close_echo(BlockingSocket& socket, std::uint16_t code, bool allow_empty,
                       const std::string& what) {
  const std::string expected = "close " + std::to_string(code) + " (or 1000)";
  Frame f = next_frame(socket, expected, what);
  if (f.opcode != kClose) fail(what + ": expected " + expected + ", got " + describe(f));
  const unsigned got = close_code(f, what);
  expect(got == code || got == 1000 || (got == 0 && allow_empty),
         what + ": expected " + expected + ", got " + close_description(f));
  // We sent the close first: the handshake is complete, only the TCP close remains.
  expect_closed(socket, socket.timeout(), what + ": TCP close after the close handshake");
}

void close_cleanly(BlockingSocket& socket, const std::string& what) {
  socket.write_all(close_frame(1000));
  expect_close_echo(socket, 1000, false, what + ": clean close");
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // truncated at the end
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

}  // namespace archbench::conformance::ws_wire
