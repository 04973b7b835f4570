#include "servers/threads/mailbox.h"

#include <sys/eventfd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace archbench::threads {

Mailbox::Mailbox(std::size_t limit) : limit_(limit) {
  doorbell_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!doorbell_) throw std::system_error(errno, std::generic_category(), "eventfd");
}

void Mailbox::push(const SharedMessage& message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (overflowed_) return;
    if (bytes_ + message->size() > limit_) {
      overflowed_ = true;  // Drop it and everything after; the owner closes the connection.
    } else {
      messages_.push_back(message);
      bytes_ += message->size();
    }
  }
  const std::uint64_t one = 1;
  // Cannot block (EFD_NONBLOCK) and cannot overflow in practice (2^64 - 2 rings).
  [[maybe_unused]] ssize_t n = ::write(doorbell_.get(), &one, sizeof(one));
}

Mailbox::Mail Mailbox::take() {
  std::uint64_t rings = 0;
  // Silence the doorbell first: a push that lands after this rings it again, so nothing waits
  // unnoticed. EAGAIN (it was silent already) is fine.
  [[maybe_unused]] ssize_t n = ::read(doorbell_.get(), &rings, sizeof(rings));
  Mail mail;
  std::lock_guard<std::mutex> lock(mutex_);
  mail.messages.swap(messages_);
  mail.overflowed = overflowed_;
  bytes_ = 0;
  return mail;
}

}  // namespace archbench::threads
