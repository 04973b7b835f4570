// What the server tests of //servers/threads and //servers/asio share (testonly): one HTTP GET,
// which thread served a connection (from the --trace log), and just enough RFC 6455 client for
// /broadcast: the opening handshake and short text frames (payloads under 126 bytes). The full
// clients, with every edge case, are the conformance suite's (clients/conformance/).
//
// Thread-safety: free functions on the caller's objects.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "servers/process/architecture_test_support.h"
#include "servers/testing/server_process.h"
#include "servers/testing/test_connection.h"

namespace archbench::testing {

struct HttpReply {
  std::string head;  // status line and headers, through the blank line
  std::string body;
};

// GET `target` with keep-alive on an open connection; reads the head and Content-Length bytes.
inline HttpReply http_get(TestConnection& connection, std::string_view target) {
  HttpReply reply;
  if (!connection.send_all("GET " + std::string(target) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
    return reply;
  }
  reply.head = connection.read_until("\r\n\r\n");
  const std::string field = "Content-Length: ";
  const std::size_t at = reply.head.find(field);
  if (at == std::string::npos) return reply;
  reply.body = connection.read_exactly(std::stoul(reply.head.substr(at + field.size())));
  return reply;
}

// The thread id in "trace: serve 127.0.0.1:<client_port> pid=<pid> tid=<tid>", waiting up to
// `timeout` for the line. Needs the server started with --trace.
inline std::optional<pid_t> serving_tid(
    const ServerProcess& server, std::uint16_t client_port,
    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const std::string needle = "trace: serve 127.0.0.1:" + std::to_string(client_port) + " pid=";
  std::optional<pid_t> found;
  wait_until(
      [&] {
        const std::string log = server.stderr_text();
        const std::size_t at = log.find(needle);
        if (at == std::string::npos) return false;
        const std::size_t tid = log.find(" tid=", at);
        if (tid == std::string::npos) return false;
        found = static_cast<pid_t>(std::stol(log.substr(tid + 5)));
        return true;
      },
      timeout);
  return found;
}

// Sends the handshake for `path` and returns the reply head (through the blank line).
inline std::string websocket_handshake(TestConnection& connection, std::string_view path) {
  // The key and its accept value are the example of RFC 6455 section 1.3.
  const std::string request = "GET " + std::string(path) +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                              "Connection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n";
  if (!connection.send_all(request)) return {};
  return connection.read_until("\r\n\r\n");
}

inline bool is_switching_protocols(const std::string& head) {
  return head.rfind("HTTP/1.1 101", 0) == 0 &&
         head.find("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") != std::string::npos;
}

// A client text frame: FIN + text, masked (clients must mask), payload < 126 bytes.
inline std::string client_text_frame(std::string_view payload) {
  const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  std::string frame;
  frame.push_back(static_cast<char>(0x81));
  frame.push_back(static_cast<char>(0x80 | payload.size()));
  for (unsigned char m : mask) frame.push_back(static_cast<char>(m));
  for (std::size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  }
  return frame;
}

// The frame a server sends for a short text message: FIN + text, unmasked.
inline std::string server_text_frame(std::string_view payload) {
  std::string frame;
  frame.push_back(static_cast<char>(0x81));
  frame.push_back(static_cast<char>(payload.size()));
  frame.append(payload);
  return frame;
}

}  // namespace archbench::testing
