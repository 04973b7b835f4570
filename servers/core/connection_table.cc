#include "servers/core/connection_table.h"

#include <string>

#include "servers/core/clock.h"

namespace archbench {

Connection& ConnectionTable::add(std::unique_ptr<Connection> connection) {
  const int fd = connection->fd();
  if (static_cast<std::size_t>(fd) >= slots_.size()) slots_.resize(fd + 1);
  if (slots_[fd]) {
    slots_[fd].reset();  // A closed leftover whose descriptor number was reused.
    --count_;
  }
  slots_[fd] = std::move(connection);
  ++count_;
  return *slots_[fd];
}

Connection* ConnectionTable::find(int fd) const {
  if (fd < 0 || static_cast<std::size_t>(fd) >= slots_.size()) return nullptr;
  return slots_[fd].get();
}

void ConnectionTable::remove(int fd) {
  if (find(fd) == nullptr) return;
  slots_[fd].reset();
  --count_;
}

std::vector<int> ConnectionTable::remove_closed() {
  std::vector<int> removed;
  for (std::size_t fd = 0; fd < slots_.size(); ++fd) {
    if (slots_[fd] && slots_[fd]->is_closed()) {
      slots_[fd].reset();
      --count_;
      removed.push_back(static_cast<int>(fd));
    }
  }
  return removed;
}

void ConnectionTable::clear() {
  slots_.clear();
  count_ = 0;
}

std::optional<TimePoint> ConnectionTable::earliest_deadline() const {
  std::optional<TimePoint> soonest;
  for_each([&](const Connection& c) { soonest = earliest(soonest, c.next_deadline()); });
  return soonest;
}

std::vector<int> ConnectionTable::deliver_broadcasts(Connection& sender, const Now& now) {
  std::vector<int> touched;
  // Delivering may make a member produce broadcasts of its own; the sender's are taken in
  // rounds until none are left (bounded: sessions do not answer a broadcast with a broadcast).
  for (int round = 0; round < 4 && sender.has_broadcasts(); ++round) {
    const std::string group(sender.broadcast_group());
    std::vector<std::string> messages = sender.take_broadcasts();
    if (group.empty()) continue;  // The sender closed meanwhile: nobody to address.
    for (const std::string& message : messages) {
      for (std::size_t fd = 0; fd < slots_.size(); ++fd) {
        Connection* member = slots_[fd].get();
        if (member && !member->is_closed() && member->broadcast_group() == group) {
          member->deliver_broadcast(message, now);
          touched.push_back(static_cast<int>(fd));
        }
      }
    }
  }
  return touched;
}

}  // namespace archbench
