// Client for --protocol timer: each request is "AFTER <timer_ms> <id>\r\n", its reply
// "FIRED <id>\r\n" (a bare "\n" is accepted too). The connection subtracts timer_ms from the
// measured time, so the histogram holds the lateness of each timer: arrival - (send + ms).
//
// Ids count up from 1 on every (re)connection; all requests on a connection ask for the same
// delay, so the k-th reply must name the k-th id.
//
// Thread-safety: see ProtocolClient (one connection's thread).
#pragma once

#include <memory>

#include "clients/load/protocol_client.h"

namespace archbench::load {

std::unique_ptr<ProtocolClient> make_timer_client(const Options& options);

}  // namespace archbench::load
