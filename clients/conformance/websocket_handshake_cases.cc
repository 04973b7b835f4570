// --protocol websocket: the opening handshake (RFC 6455 4.2) and /broadcast.
#include <initializer_list>
#include <string>
#include <thread>

#include "clients/conformance/case_catalogue.h"
#include "clients/conformance/http_wire.h"
#include "clients/conformance/websocket_wire.h"

namespace archbench::conformance {
namespace {

using namespace ws_wire;

void valid(CaseContext& ctx, std::string_view path) {
  BlockingSocket s = open(ctx, path);
  s.write_all(frame(kText, "hi"));
  expect_message(s, kText, "hi", "echo after the handshake on " + std::string(path));
  close_cleanly(s, "handshake case");
}

// Browsers send other tokens and other capitalisations; the server must not care.
void relaxed_tokens(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string key = make_key(ctx);
  s.write_all(
      "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: WebSocket\r\n"
      "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: " +
      key + "\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1\r\n\r\n");
  expect_switching(http_wire::read_response(s, "Firefox-style handshake"), key,
                   "Firefox-style handshake");
  close_cleanly(s, "Firefox-style handshake");
}

void deflate_not_negotiated(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string key = make_key(ctx);
  s.write_all(handshake_request(
      "/", key, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"));
  // expect_switching fails on any Sec-WebSocket-Extensions in the reply.
  expect_switching(http_wire::read_response(s, "handshake offering permessage-deflate"), key,
                   "handshake offering permessage-deflate");
  s.write_all(frame(kText, "uncompressed"));
  expect_message(s, kText, "uncompressed", "echo without compression");
  close_cleanly(s, "permessage-deflate refused");
}

// RFC 6455 4.2.2: the server may only answer with a subprotocol the client offered, and it
// supports none.
void subprotocol_not_selected(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string key = make_key(ctx);
  s.write_all(handshake_request("/", key, "Sec-WebSocket-Protocol: chat, superchat\r\n"));
  const http_wire::Response r = http_wire::read_response(s, "handshake offering subprotocols");
  expect_switching(r, key, "handshake offering subprotocols");
  if (const std::string* chosen = r.header("Sec-WebSocket-Protocol")) {
    fail("server selected subprotocol \"" + printable(*chosen) + "\" it does not implement");
  }
  close_cleanly(s, "after the subprotocol handshake");
}

// The first frame arrives in the same write as the handshake.
void frame_with_handshake(CaseContext& ctx) {
  BlockingSocket s = ctx.connect();
  const std::string key = make_key(ctx);
  s.write_all(handshake_request("/", key) + frame(kText, "early"));
  expect_switching(http_wire::read_response(s, "handshake"), key, "handshake");
  expect_message(s, kText, "early", "frame sent with the handshake");
  close_cleanly(s, "frame with handshake");
}

void refused(CaseContext& ctx, const std::string& request, int status, const std::string& what) {
  BlockingSocket s = ctx.connect();
  s.write_all_or_closed(request);
  http_wire::Response r;
  try {
    r = http_wire::read_response(s, what);
  } catch (const SocketError& error) {
    fail(what + ": expected " + std::to_string(status) + ", but " + error.what());
  }
  http_wire::expect_status(r, status, what);
  if (status == 426) {
    const std::string* version = r.header("Sec-WebSocket-Version");
    expect(version != nullptr && *version == "13",
           what + ": 426 without Sec-WebSocket-Version: 13");
  }
  expect_closed(s, ctx.options().io_timeout, what + ": after the refusal");
}

std::string request_with(std::string_view method, std::string_view headers) {
  return std::string(method) + " / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(headers) + "\r\n";
}

constexpr std::string_view kKey = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
constexpr std::string_view kUpgrade = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
constexpr std::string_view kVersion = "Sec-WebSocket-Version: 13\r\n";

std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out += p;
  return out;
}

// /broadcast: a message from one client reaches every client on that path. An architecture that
// cannot share connections refuses the handshake with 501 and a reason: that passes, with a
// note, because DESIGN.md allows it.
void broadcast(CaseContext& ctx) {
  BlockingSocket a = ctx.connect();
  const std::string key = make_key(ctx);
  a.write_all(handshake_request("/broadcast", key));
  http_wire::Response r = http_wire::read_response(a, "handshake on /broadcast");
  if (r.status == 501) {
    expect(!r.body.empty(), "/broadcast refused with 501 but no reason in the body");
    expect_closed(a, ctx.options().io_timeout, "after the 501 for /broadcast");
    ctx.set_note("not supported by this architecture: " + r.body);
    return;
  }
  expect_switching(r, key, "handshake on /broadcast");
  BlockingSocket b = open(ctx, "/broadcast");
  // b's handshake is done, but the server may still be registering b in the group: a's first
  // message can race it. A short settle keeps the case about delivery, not about that race.
  std::this_thread::sleep_for(Millis(50));
  a.write_all(frame(kText, "from a"));
  expect_message(a, kText, "from a", "a's message back to a");
  expect_message(b, kText, "from a", "a's message at b");
  b.write_all(frame(kBinary, "from b"));
  expect_message(a, kBinary, "from b", "b's message at a");
  expect_message(b, kBinary, "from b", "b's message back to b");
  close_cleanly(b, "b");
  a.write_all(frame(kText, "after b left"));
  expect_message(a, kText, "after b left", "a's message after b closed");
  close_cleanly(a, "a");
}

}  // namespace

void add_websocket_handshake_cases(CaseList& list) {
  const std::string ws = "websocket";
  add_case(list, ws, "handshake", "valid", [](CaseContext& c) { valid(c, "/"); });
  add_case(list, ws, "handshake", "any_path", [](CaseContext& c) { valid(c, "/any/path?x=1"); });
  add_case(list, ws, "handshake", "relaxed_tokens", relaxed_tokens);
  add_case(list, ws, "handshake", "permessage_deflate_not_negotiated", deflate_not_negotiated);
  add_case(list, ws, "handshake", "frame_in_same_write", frame_with_handshake);
  add_case(list, ws, "handshake", "subprotocol_not_selected", subprotocol_not_selected);
  add_case(list, ws, "handshake", "http10_400", [](CaseContext& c) {
    refused(c, "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n" + join({kUpgrade, kKey, kVersion}) + "\r\n",
            400, "handshake over HTTP/1.0");
  });
  add_case(list, ws, "handshake", "missing_key_400", [](CaseContext& c) {
    refused(c, request_with("GET", join({kUpgrade, kVersion})), 400, "handshake without a key");
  });
  add_case(list, ws, "handshake", "short_key_400", [](CaseContext& c) {
    refused(c, request_with("GET", join({kUpgrade, "Sec-WebSocket-Key: c2hvcnQ=\r\n", kVersion})),
            400, "handshake with a key that is not 16 bytes");
  });
  add_case(list, ws, "handshake", "wrong_version_426", [](CaseContext& c) {
    refused(c, request_with("GET", join({kUpgrade, kKey, "Sec-WebSocket-Version: 8\r\n"})), 426,
            "handshake with version 8");
  });
  add_case(list, ws, "handshake", "not_get_400", [](CaseContext& c) {
    refused(c, request_with("POST", join({kUpgrade, kKey, kVersion, "Content-Length: 0\r\n"})), 400,
            "POST handshake");
  });
  add_case(list, ws, "handshake", "no_upgrade_header_400", [](CaseContext& c) {
    refused(c, request_with("GET", join({"Connection: Upgrade\r\n", kKey, kVersion})), 400,
            "handshake without Upgrade");
  });
  add_case(list, ws, "handshake", "no_connection_upgrade_400", [](CaseContext& c) {
    refused(c, request_with("GET", join({"Upgrade: websocket\r\n", kKey, kVersion})), 400,
            "handshake without Connection: Upgrade");
  });
  add_case(list, ws, "handshake", "plain_get_400", [](CaseContext& c) {
    refused(c, request_with("GET", ""), 400, "plain GET to a websocket server");
  });
  add_case(list, ws, "broadcast", "two_clients", broadcast);
}

}  // namespace archbench::conformance
