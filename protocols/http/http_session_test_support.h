// What the HttpSession tests share: a simulated clock, a response splitter, and a fixture that
// drives one session the way a server does (bytes in, SessionOutput out, deadlines by hand).
//
// Thread-safety: test code, one thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/http/http_session.h"
#include "protocols/http/response_parser.h"

namespace archbench::http::testing {

// 100 s on the steady clock; the wall clock at 1994-11-06 08:49:37 GMT (RFC 9110's Date example),
// so Date headers are predictable.
inline const Now kStart{TimePoint{std::chrono::seconds(100)},
                        std::chrono::system_clock::time_point{std::chrono::seconds(784111777)}};

// kStart plus `ms` on both clocks.
inline Now at(int ms) {
  return Now{kStart.steady + std::chrono::milliseconds(ms),
             kStart.wall + std::chrono::milliseconds(ms)};
}
inline TimePoint steady(int ms) { return kStart.steady + std::chrono::milliseconds(ms); }

// Every complete response in `bytes`, parsed; `heads` says which ones answer HEAD requests.
inline std::vector<ParsedResponse> responses(std::string_view bytes,
                                             std::vector<bool> heads = {}) {
  std::vector<ParsedResponse> out;
  ResponseParser parser;
  parser.expect_head_response(!heads.empty() && heads[0]);
  while (!bytes.empty()) {
    auto r = parser.feed(bytes);
    bytes.remove_prefix(r.consumed);
    EXPECT_NE(r.status, ResponseParser::Status::kError) << parser.error().reason;
    if (r.status != ResponseParser::Status::kComplete) break;
    out.push_back(parser.response());
    parser.reset();
    parser.expect_head_response(out.size() < heads.size() && heads[out.size()]);
  }
  return out;
}

// One HttpSession, created on first use from config_ (set it up in the constructor of a
// derived fixture) and websocket_only_.
class HttpSessionFixture : public ::testing::Test {
 protected:
  HttpSessionFixture() { config_.server_name = "archbench/test"; }

  HttpSession& session() {
    if (!session_) session_ = std::make_unique<HttpSession>(config_, websocket_only_, kStart.steady);
    return *session_;
  }
  SessionOutput feed(std::string_view bytes, const Now& now = kStart) {
    SessionOutput out;
    session().on_bytes(bytes, now, out);
    return out;
  }
  SessionOutput deadline(const Now& now) {
    SessionOutput out;
    session().on_deadline(now, out);
    return out;
  }

  ProtocolConfig config_;
  bool websocket_only_ = false;
  std::unique_ptr<HttpSession> session_;
};

}  // namespace archbench::http::testing
