// ConnectionTable: the connections of one readiness loop, indexed by descriptor.
//
// A loop thinks in descriptors (select's fd_set, epoll's event data), so the table is a vector
// indexed by fd: O(1) lookup, no hashing. It also does the one job every loop shares beyond that:
// handing a connection's broadcasts to the other members of its group.
//
// Broadcast delivery scans the table for members of the sender's group. That is O(connections)
// per message, where a group index would be O(members); the scan was chosen because membership
// is the session's business (a WebSocket joins /broadcast after its handshake, and leaves when it
// closes) and a scan can never go stale. A message's delivery is O(members) anyway.
//
// Thread-safety: owned and used by one loop thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "servers/core/connection.h"

namespace archbench {

class ConnectionTable {
 public:
  // Adds a connection under its fd. A closed connection still sitting in that slot (its fd was
  // closed and reused by accept) is destroyed first. Returns the stored connection.
  Connection& add(std::unique_ptr<Connection> connection);
  // nullptr when the fd holds no connection.
  Connection* find(int fd) const;
  // Destroys the connection under fd (closing its socket if still open).
  void remove(int fd);
  // Removes every closed connection; returns their fds (for loops that must forget them).
  std::vector<int> remove_closed();
  // Closes and removes everything (server stop).
  void clear();

  std::size_t size() const { return count_; }

  // Calls f(Connection&) for each connection, in fd order. f must not add or remove entries.
  template <typename F>
  void for_each(F&& f) const {
    for (const auto& slot : slots_) {
      if (slot) f(*slot);
    }
  }

  // The earliest next_deadline() of all connections: an O(n) scan, fine for select's <= 1024
  // descriptors; the epoll loop keeps a DeadlineHeap instead.
  std::optional<TimePoint> earliest_deadline() const;

  // Takes `sender`'s pending broadcasts and delivers each to every open connection in the
  // sender's group (the sender included). Returns the fds delivered to, so a loop can update
  // their interest (a member may now want to write, or may have been closed as a slow reader).
  std::vector<int> deliver_broadcasts(Connection& sender, const Now& now);

 private:
  std::vector<std::unique_ptr<Connection>> slots_;
  std::size_t count_ = 0;
};

}  // namespace archbench
