// http::Request across the reactor -> worker socketpair.
//
// The reactor thread parses HTTP with the protocol suite's RequestParser (there is no second
// parser anywhere in archbench); what crosses to the worker is the parsed Request, so the worker
// runs the Application on it without looking at raw bytes again. The encoding is the Request's
// fields in declaration order, strings as a 4-byte length then the bytes:
//
//   method target path query  (strings)
//   version_minor keep_alive  (1 byte each)
//   header count (4 bytes), then name value pairs (strings)
//   body (string)
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "protocols/http/request.h"

namespace archbench::reactor {

// Appends the encoding of `request` to `out`.
void encode_request(const http::Request& request, std::string& out);

// Fills `request` (reusing its allocations); false when `bytes` is not a complete encoding
// (a bug or a corrupt channel, never client input: clients cannot reach this format).
bool decode_request(std::string_view bytes, http::Request& request);

}  // namespace archbench::reactor
