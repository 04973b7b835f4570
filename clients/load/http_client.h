// Client for --protocol http: the same request again and again on a keep-alive connection (or
// one per connection with --no-keepalive), each reply parsed by the protocol suite's
// ResponseParser and verified:
//   * status 2xx (a well-formed reply with another status counts as non-2xx, not as wrong);
//   * the headers every archbench reply carries: Server, Date, Content-Type, Content-Length;
//   * the body the route promises: "Hello World" for GET /, {"message":"Hello, World!"} for
//     GET /json (compared as JSON), the request body for POST /echo, bytes_body(n) for
//     GET /bytes?n=N, "slept N ms" for GET /sleep?ms=N, for GET /inspect the JSON description of
//     this very request (method, decoded path, query, exactly the headers sent, no cookies;
//     compared as JSON), nothing for HEAD. Other paths are checked for status and headers only.
//
// Thread-safety: see ProtocolClient (one connection's thread).
#pragma once

#include <memory>

#include "clients/load/protocol_client.h"

namespace archbench::load {

std::unique_ptr<ProtocolClient> make_http_client(const Options& options,
                                                 std::uint64_t connection_index);

}  // namespace archbench::load
