// Clients for the protocols whose reply is the request itself: echo (raw bytes), eof (payload
// + delimiter) and length (4-byte big-endian length + payload). Each connection sends the
// same random message again and again (different per connection), so verifying a reply is a
// byte-for-byte comparison against a string known in advance, without buffering the reply.
//
// Thread-safety: see ProtocolClient (one connection's thread).
#pragma once

#include <memory>

#include "clients/load/protocol_client.h"

namespace archbench::load {

// echo: message_size random bytes.
std::unique_ptr<ProtocolClient> make_echo_client(const Options& options,
                                                 std::uint64_t connection_index);
// eof: message_size random bytes without any byte of the delimiter, then the delimiter.
std::unique_ptr<ProtocolClient> make_eof_client(const Options& options,
                                                std::uint64_t connection_index);
// length: the length frame of message_size random bytes.
std::unique_ptr<ProtocolClient> make_length_client(const Options& options,
                                                   std::uint64_t connection_index);

}  // namespace archbench::load
