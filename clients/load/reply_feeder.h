// Test helper: feeds canned reply bytes to a ProtocolClient in pieces of a given size and
// collects the verdicts, so each client test can check every split of the same bytes.
//
// Thread-safety: plain functions over the caller's objects.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "clients/load/protocol_client.h"

namespace archbench::load::testing {

struct Fed {
  std::vector<ReplyVerdict> replies;
  std::size_t handshakes = 0;
  std::size_t pings = 0;  // kPing steps (a pong is then owed)
};

// Feeds `bytes` in pieces of `piece` bytes, as reads would deliver them.
inline Fed feed(ProtocolClient& client, const std::string& bytes, std::size_t piece) {
  Fed fed;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    std::string_view data = std::string_view(bytes).substr(at, piece);
    while (!data.empty()) {
      ReplyVerdict verdict;
      const ParseStep step = client.consume(data, verdict);
      EXPECT_LE(step.used, data.size());
      data.remove_prefix(step.used);
      if (step.event == ParseStep::Event::kReply) fed.replies.push_back(verdict);
      if (step.event == ParseStep::Event::kHandshake) ++fed.handshakes;
      if (step.event == ParseStep::Event::kPing) ++fed.pings;
      if (step.event == ParseStep::Event::kNeedMore) {
        EXPECT_TRUE(data.empty()) << "kNeedMore must use every byte";
        break;
      }
    }
  }
  return fed;
}

// Options for a client of `protocol` with 100-byte messages (no server involved).
inline Options client_options(Protocol protocol) {
  Options o;
  o.port = 1;
  o.protocol = protocol;
  o.message_size = 100;
  return o;
}

}  // namespace archbench::load::testing
