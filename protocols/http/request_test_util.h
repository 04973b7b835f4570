// Test helper: drives a RequestParser the way a session does (feed, take the request, reset,
// feed the rest) over input delivered in pieces.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocols/http/request_parser.h"

namespace archbench::http::testing {

struct ParseOutcome {
  std::vector<Request> requests;
  std::optional<ParseError> error;
  std::size_t consumed = 0;  // bytes consumed in total (up to the error, if any)
};

// Feeds `input` cut at the given offsets (ascending), collecting every complete request.
inline ParseOutcome parse_with_cuts(std::string_view input, const std::vector<std::size_t>& cuts,
                                    const RequestLimits& limits = {}) {
  ParseOutcome outcome;
  RequestParser parser(limits);
  std::size_t start = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    std::size_t end = i < cuts.size() ? cuts[i] : input.size();
    std::string_view piece = input.substr(start, end - start);
    start = end;
    while (true) {
      RequestParser::Result r = parser.feed(piece);
      piece.remove_prefix(r.consumed);
      outcome.consumed += r.consumed;
      if (r.status == RequestParser::Status::kError) {
        outcome.error = parser.error();
        return outcome;
      }
      if (r.status == RequestParser::Status::kNeedMore) {
        EXPECT_TRUE(piece.empty()) << "kNeedMore must consume everything";
        break;
      }
      outcome.requests.push_back(parser.request());
      parser.reset();
      if (piece.empty()) break;
    }
  }
  return outcome;
}

// All at once (piece == 0) or in pieces of `piece` bytes.
inline ParseOutcome parse_in_pieces(std::string_view input, std::size_t piece,
                                    const RequestLimits& limits = {}) {
  std::vector<std::size_t> cuts;
  if (piece > 0) {
    for (std::size_t at = piece; at < input.size(); at += piece) cuts.push_back(at);
  }
  return parse_with_cuts(input, cuts, limits);
}

// Compares two requests field by field (Request has no operator==).
inline void expect_same_request(const Request& a, const Request& b) {
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.query, b.query);
  EXPECT_EQ(a.version_minor, b.version_minor);
  EXPECT_EQ(a.keep_alive, b.keep_alive);
  EXPECT_EQ(a.body, b.body);
  ASSERT_EQ(a.headers.size(), b.headers.size());
  for (std::size_t i = 0; i < a.headers.size(); ++i) {
    EXPECT_EQ(a.headers[i].name, b.headers[i].name);
    EXPECT_EQ(a.headers[i].value, b.headers[i].value);
  }
}

}  // namespace archbench::http::testing
