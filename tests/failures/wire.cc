#include "tests/failures/wire.h"

#include <sys/socket.h>

#include <charconv>
#include <random>

#include "protocols/websocket/close_codes.h"
#include "protocols/websocket/handshake.h"

namespace archbench::failures {
namespace {

using std::chrono::milliseconds;

constexpr websocket::MaskingKey kMask = {0x37, 0xfa, 0x21, 0x3d};
// Server frames larger than this are not expected by any case (the echoes are small).
constexpr std::size_t kMaxServerFrame = 64u << 20;

std::string header_list(const std::vector<http::Header>& headers) {
  std::string out;
  for (const http::Header& h : headers) out += h.name + ": " + h.value + "; ";
  return out;
}

}  // namespace

std::string bytes_pattern(std::size_t n) {
  std::string body(n, '\0');
  for (std::size_t i = 0; i < n; ++i) body[i] = static_cast<char>('a' + i % 26);
  return body;
}

std::string binary_pattern(std::size_t n, std::uint32_t seed) {
  std::mt19937 generator(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(generator() & 0xff);
  return bytes;
}

std::string http_get(std::string_view target, std::string_view extra_headers) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
         std::string(extra_headers) + "\r\n";
}

std::string http_post(std::string_view target, std::string_view body) {
  return "POST " + std::string(target) +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

std::optional<http::ParsedResponse> read_http_response(TestConnection& connection,
                                                       milliseconds timeout, std::string& error) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] {
    return std::max(milliseconds(1), std::chrono::duration_cast<milliseconds>(
                                         deadline - std::chrono::steady_clock::now()));
  };
  http::ResponseParser parser;
  std::string head = connection.read_until("\r\n\r\n", left());
  http::ResponseParser::Result r = parser.feed(head);
  if (r.status == http::ResponseParser::Status::kNeedMore && head.size() >= 4 &&
      head.substr(head.size() - 4) == "\r\n\r\n") {
    // The header section is in: read exactly the announced body.
    const std::string* length_text = parser.response().find_header("Content-Length");
    std::size_t length = 0;
    if (length_text == nullptr ||
        std::from_chars(length_text->data(), length_text->data() + length_text->size(), length)
                .ec != std::errc()) {
      error = "response without a usable Content-Length: \"" + printable(head) + "\"";
      return std::nullopt;
    }
    std::string body = connection.read_exactly(length, left());
    r = parser.feed(body);
  }
  if (r.status == http::ResponseParser::Status::kComplete) return std::move(parser.response());
  if (r.status == http::ResponseParser::Status::kError) {
    error = "malformed response (" + std::string(parser.error().reason) + "): \"" +
            printable(head) + "\"";
  } else {
    const std::string why = connection.saw_eof() ? "the server closed the connection"
                            : connection.saw_reset()
                                ? "the connection was reset"
                                : "nothing more within " + std::to_string(timeout.count()) + " ms";
    error = "no complete response (" + why + ") after \"" + printable(head) + "\"";
  }
  return std::nullopt;
}

std::string http_exchange(TestConnection& connection, std::string_view request, int status,
                          std::optional<std::string_view> body, milliseconds timeout) {
  if (!connection.send_all(request, timeout)) return "send failed: " + connection.error();
  std::string error;
  std::optional<http::ParsedResponse> response = read_http_response(connection, timeout, error);
  if (!response) return error;
  if (response->status != status) {
    return "status " + std::to_string(response->status) + " instead of " + std::to_string(status) +
           " (body \"" + printable(response->body) + "\")";
  }
  if (body && response->body != *body) {
    return "wrong body: " + std::to_string(response->body.size()) + " bytes \"" +
           printable(response->body, 60) + "\", expected " + std::to_string(body->size()) +
           " bytes \"" + printable(*body, 60) + "\"";
  }
  return {};
}

void reset_connection(TestConnection& connection) {
  if (!connection.ok()) return;
  linger abortive{1, 0};
  ::setsockopt(connection.fd(), SOL_SOCKET, SO_LINGER, &abortive, sizeof(abortive));
  connection.close();
}

std::string length_header(std::uint32_t length) {
  return {static_cast<char>(length >> 24), static_cast<char>(length >> 16),
          static_cast<char>(length >> 8), static_cast<char>(length)};
}

std::string length_frame(std::string_view body) {
  return length_header(static_cast<std::uint32_t>(body.size())) + std::string(body);
}

std::string websocket_handshake(std::string_view extra_headers, std::string_view version,
                                std::string_view key) {
  return "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: " +
         std::string(key) + "\r\nSec-WebSocket-Version: " + std::string(version) + "\r\n" +
         std::string(extra_headers) + "\r\n";
}

std::string masked_frame(websocket::Opcode opcode, std::string_view payload, bool fin) {
  return websocket::encode_frame(opcode, payload, fin, kMask);
}

std::string unmasked_frame(websocket::Opcode opcode, std::string_view payload) {
  return websocket::encode_frame(opcode, payload, true);
}

std::string raw_masked_frame(std::uint8_t first_byte, std::string_view payload) {
  // Encode a valid frame of the same size, then overwrite the first byte: the length and mask
  // encoding stay right, only FIN/RSV/opcode change.
  std::string frame = masked_frame(websocket::Opcode::kBinary, payload);
  frame[0] = static_cast<char>(first_byte);
  return frame;
}

std::string masked_frame_header(websocket::Opcode opcode, std::uint64_t length) {
  std::string header;
  header.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
  header.push_back(static_cast<char>(0x80 | 127));
  for (int shift = 56; shift >= 0; shift -= 8) {
    header.push_back(static_cast<char>((length >> shift) & 0xff));
  }
  header.append(reinterpret_cast<const char*>(kMask.data()), kMask.size());
  return header;
}

std::string open_websocket(TestConnection& connection, milliseconds timeout) {
  if (!connection.send_all(websocket_handshake(), timeout)) {
    return "handshake send failed: " + connection.error();
  }
  std::string error;
  std::optional<http::ParsedResponse> reply = read_http_response(connection, timeout, error);
  if (!reply) return "handshake: " + error;
  std::string problem =
      websocket::verify_server_handshake(reply->status, reply->headers, kWebSocketKey);
  if (!problem.empty()) {
    return "handshake refused or wrong: " + problem + " (status " + std::to_string(reply->status) +
           ", headers " + header_list(reply->headers) + ")";
  }
  return {};
}

std::optional<ServerFrame> read_websocket_frame(TestConnection& connection, milliseconds timeout,
                                                std::string& error) {
  std::string frame = connection.read_exactly(2, timeout);
  if (frame.size() == 2) {
    const std::size_t length7 = static_cast<unsigned char>(frame[1]) & 0x7f;
    const std::size_t extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
    frame += connection.read_exactly(extended, timeout);
    std::uint64_t length = length7;
    if (extended > 0 && frame.size() == 2 + extended) {
      length = 0;
      for (std::size_t i = 0; i < extended; ++i) {
        length = (length << 8) | static_cast<unsigned char>(frame[2 + i]);
      }
    }
    if (length <= kMaxServerFrame) frame += connection.read_exactly(length, timeout);
  }
  websocket::FrameDecoder decoder(websocket::Role::kClient, kMaxServerFrame);
  std::string_view input = frame;
  websocket::DecodeStatus status = decoder.decode(input);
  if (status == websocket::DecodeStatus::kFrame && input.empty()) {
    return ServerFrame{decoder.frame().opcode, std::string(decoder.frame().payload)};
  }
  error = status == websocket::DecodeStatus::kError
              ? "invalid server frame: " + decoder.error().reason
              : "no complete frame within " + std::to_string(timeout.count()) + " ms";
  error += " (received \"" + printable(frame) + "\")";
  return std::nullopt;
}

std::string parse_first_response(std::string_view bytes, http::ParsedResponse& response,
                                 std::size_t& used, bool to_head) {
  http::ResponseParser parser;
  parser.expect_head_response(to_head);
  http::ResponseParser::Result r = parser.feed(bytes);
  if (r.status == http::ResponseParser::Status::kError) {
    return "malformed response (" + std::string(parser.error().reason) + "): \"" +
           printable(bytes) + "\"";
  }
  if (r.status == http::ResponseParser::Status::kNeedMore) {
    return "no complete response; received \"" + printable(bytes) + "\"";
  }
  used = r.consumed;
  response = std::move(parser.response());
  return {};
}

std::string check_http_refusal(std::string_view transcript, int status, bool to_head) {
  http::ParsedResponse response;
  std::size_t used = 0;
  std::string problem = parse_first_response(transcript, response, used, to_head);
  if (!problem.empty()) return problem;
  if (response.status != status) {
    return "status " + std::to_string(response.status) + " instead of " + std::to_string(status) +
           " (body \"" + printable(response.body) + "\")";
  }
  const std::string* connection = response.find_header("Connection");
  if (connection == nullptr || !http::iequals(*connection, "close")) {
    return "a " + std::to_string(status) + " without \"Connection: close\" (headers " +
           header_list(response.headers) + ")";
  }
  if (used != transcript.size()) {
    return "bytes after the " + std::to_string(status) + ": \"" +
           printable(transcript.substr(used)) + "\"";
  }
  return {};
}

std::string check_websocket_failure(std::string_view transcript, std::string_view echoes,
                                    std::uint16_t close_code) {
  http::ParsedResponse response;
  std::size_t used = 0;
  std::string problem = parse_first_response(transcript, response, used);
  if (!problem.empty()) return "handshake reply: " + problem;
  problem = websocket::verify_server_handshake(response.status, response.headers, kWebSocketKey);
  if (!problem.empty()) return "handshake reply: " + problem;
  std::string_view frames = transcript.substr(used);
  if (frames.substr(0, echoes.size()) != echoes) {
    return "expected the echo \"" + printable(echoes) + "\" first, got \"" + printable(frames) +
           "\"";
  }
  frames.remove_prefix(echoes.size());
  websocket::FrameDecoder decoder(websocket::Role::kClient, kMaxServerFrame);
  if (decoder.decode(frames) != websocket::DecodeStatus::kFrame ||
      decoder.frame().opcode != websocket::Opcode::kClose) {
    return "expected a Close frame, got \"" + printable(transcript.substr(used)) + "\"";
  }
  const websocket::CloseInfo close = websocket::parse_close_payload(decoder.frame().payload);
  if (!close.has_code || close.code != close_code) {
    return "close code " + (close.has_code ? std::to_string(close.code) : "(none)") +
           " instead of " + std::to_string(close_code);
  }
  if (!frames.empty()) return "bytes after the Close frame: \"" + printable(frames) + "\"";
  return {};
}

std::string check_exact(std::string_view transcript, std::string_view expected) {
  if (transcript == expected) return {};
  return "received \"" + printable(transcript) + "\" (" + std::to_string(transcript.size()) +
         " bytes), expected \"" + printable(expected) + "\" (" + std::to_string(expected.size()) +
         " bytes)";
}

std::string printable(std::string_view bytes, std::size_t limit) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

}  // namespace archbench::failures
