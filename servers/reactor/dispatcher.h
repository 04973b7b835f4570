// Which worker gets a piece of work: Swoole's dispatch_mode 1..4, as a pure policy.
//
//   1 round-robin   each message goes to the next worker that takes work
//   2 fixed         every message of a connection goes to worker (session id mod W)
//   3 idle          to the worker with the fewest requests in flight (all reactors counted);
//                   ties go round-robin, so equal workers share the work
//   4 by IP         every message from one client address goes to worker (address mod W), so
//                   a client's connections share one worker (IPv4: the address as a number, so
//                   127.0.0.2 and 127.0.0.3 go to neighbouring workers, as in Swoole)
//
// The policy only picks among the slots that take new work (a worker that is retiring or not yet
// started does not). In the fixed modes (2, 4) the connection's slot is the answer or nothing:
// while that slot has no worker (its replacement is starting) the caller parks the work rather
// than break the promise that one connection always sees one worker slot.
//
// Connection open/close events are NOT routed by this policy: they go to the connection's owner
// (chosen with this policy when the connection arrives), in every mode. Swoole sends them by
// the dispatch mode too, which in modes 1 and 3 hands onConnect and onClose to different
// workers than the data; here the owner sees a connection's whole life.
//
// Thread-safety: a Dispatcher belongs to one reactor thread (its round-robin cursor is private).
// The load function may read counters shared between reactor threads (atomics).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "servers/reactor/reactor_options.h"

struct sockaddr_storage;

namespace archbench::reactor {

// The key of dispatch mode 4: an IPv4 address as a host-order number; an IPv6 address folded
// (xor of its four 32-bit words; an IPv4-mapped address gives its IPv4 key). 0 when unknown.
std::uint32_t client_address_key(const sockaddr_storage& address);
// client_address_key of a connected socket's peer.
std::uint32_t client_address_key(int fd);

class Dispatcher {
 public:
  Dispatcher(DispatchMode mode, int workers) : mode_(mode), workers_(workers) {}

  // available[slot]: that slot has a worker taking new work, as this reactor sees it.
  // load(slot): requests in flight to that slot. Returns the slot, or -1 when the acceptable
  // slot(s) take no work right now (park the work and try again when a worker starts).
  int choose(std::uint64_t session, std::uint32_t address_key, const std::vector<bool>& available,
             const std::function<int(int)>& load);

  // The slot mode 2 or 4 fixes for this connection (for the trace and the tests).
  int fixed_slot(std::uint64_t session, std::uint32_t address_key) const;

  DispatchMode mode() const { return mode_; }
  bool fixed() const { return mode_ == DispatchMode::kFixed || mode_ == DispatchMode::kByIp; }

 private:
  DispatchMode mode_;
  int workers_;
  unsigned cursor_ = 0;
};

}  // namespace archbench::reactor
