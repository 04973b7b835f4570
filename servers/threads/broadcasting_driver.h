// The blocking driver with broadcast between threads: core's serve_blocking plus a BroadcastPort
// onto a BroadcastHub shared by every serving thread.
//
// servers/core/blocking_driver.h serves one Session over one blocking socket in the calling
// thread; without a port it drops broadcasts, since in the process-per-connection designs there
// is nobody to hand them to. Threads share memory, so here a connection can reach the others.
// HubPort is this connection's way in and out:
//
//   doorbell / take   a Mailbox (eventfd + bounded queue) that other threads' publishes fill;
//                     the driver polls its doorbell next to the socket and the stop pipe
//   set_group         this connection's HubMembership (joined after each session call, before
//                     that call's bytes are written; left when the session closes)
//   publish           BroadcastHub::publish for each message, after the sender's write
//
// Only the owner thread touches its Session and writes its socket: other threads only drop
// messages into its Mailbox. So writes to one connection never interleave and the Session needs
// no lock. The same "post to the owner" shape as asio's cross-io_context broadcast.
//
// What a blocking design cannot avoid: a member whose client does not read is stuck writing, so
// it takes no mail meanwhile. Its mailbox is bounded (Mailbox); past the bound the connection is
// closed with a log line once its thread gets back to the loop.
//
// Thread-safety: a HubPort belongs to one connection's serving thread (BroadcastPort's
// contract); only its Mailbox is reached from other threads, through the hub. Many threads may
// each run serve_blocking_with_broadcast on the same hub concurrently.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocols/session.h"
#include "servers/core/blocking_driver.h"
#include "servers/core/connection.h"
#include "servers/core/unique_fd.h"
#include "servers/threads/broadcast_hub.h"
#include "servers/threads/mailbox.h"

namespace archbench::threads {

// One connection's BroadcastPort onto `hub`: registers with the hub on construction (in no
// group), unregisters on destruction. Thread-safety: owned by the connection's serving thread.
class HubPort final : public BroadcastPort {
 public:
  // `mailbox_limit` bounds the bytes waiting for this connection. Throws std::system_error when
  // out of descriptors for the doorbell.
  HubPort(BroadcastHub& hub, std::size_t mailbox_limit)
      : hub_(hub),
        mailbox_limit_(mailbox_limit),
        mailbox_(mailbox_limit),
        membership_(hub, [this](const SharedMessage& m) { mailbox_.push(m); }) {}

  int doorbell_fd() const override { return mailbox_.doorbell_fd(); }
  bool take(std::vector<std::shared_ptr<const std::string>>& messages) override {
    Mailbox::Mail mail = mailbox_.take();
    if (mail.overflowed) return false;  // the driver logs and closes; what did arrive is dropped
    messages = std::move(mail.messages);
    return true;
  }
  std::size_t mailbox_limit() const override { return mailbox_limit_; }
  void set_group(std::string_view group) override { membership_.set_group(group); }
  void publish(std::string_view group, std::vector<std::string>&& messages) override {
    for (std::string& message : messages) {
      hub_.publish(group, std::make_shared<const std::string>(std::move(message)));
    }
  }

 private:
  BroadcastHub& hub_;
  const std::size_t mailbox_limit_;
  // Declared before membership_: the hub must forget this connection (membership_'s destructor)
  // before the mailbox its callback points to goes away.
  Mailbox mailbox_;
  HubMembership membership_;
};

// Serves `session` on the blocking `socket` until the connection ends, then closes the socket,
// taking part in `hub`'s broadcast groups through a HubPort whose mailbox holds up to
// ConnectionLimits::broadcast_output_limit bytes. `peer` names the client in log lines.
// Returns how it ended (servers/core/blocking_driver.h).
inline DriveEnd serve_blocking_with_broadcast(UniqueFd socket, Session& session,
                                              const std::string& peer, BroadcastHub& hub) {
  // The same bound as a readiness-based Connection's broadcast output (servers/core/connection.h).
  HubPort port(hub, ConnectionLimits{}.broadcast_output_limit);
  return serve_blocking(std::move(socket), session, peer, &port);
}

}  // namespace archbench::threads
