// Mailbox: the broadcasts waiting for one blocking connection thread, and its doorbell.
//
// Other threads push() encoded broadcast messages (through BroadcastHub::publish); the owner
// thread watches doorbell_fd() in the same poll() as its socket and the stop pipe, and take()s
// the messages when it rings. The doorbell is an eventfd: any number of pushes make it readable
// once, and take() reads it back to zero.
//
// Bounded: a member that does not read its socket stops taking its mail (its thread is stuck
// writing), so a mailbox holding more than `limit` bytes drops further messages and marks itself
// overflowed; the owner then closes the connection (as Connection does for its output buffer).
//
// Thread-safety: push() from any thread; take(), doorbell_fd(), overflowed() from the owner.
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "servers/core/unique_fd.h"
#include "servers/threads/broadcast_hub.h"

namespace archbench::threads {

class Mailbox {
 public:
  // Creates the eventfd (throws std::system_error when out of descriptors).
  explicit Mailbox(std::size_t limit);
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  void push(const SharedMessage& message);

  struct Mail {
    std::vector<SharedMessage> messages;
    bool overflowed = false;  // messages were dropped: the owner must close the connection
  };
  // Everything pushed so far; silences the doorbell.
  Mail take();

  // Readable (POLLIN) while mail is waiting.
  int doorbell_fd() const { return doorbell_.get(); }

 private:
  const std::size_t limit_;
  UniqueFd doorbell_;
  std::mutex mutex_;
  std::vector<SharedMessage> messages_;
  std::size_t bytes_ = 0;
  bool overflowed_ = false;
};

}  // namespace archbench::threads
