// The client's picture of the server's /broadcast group, shared by every connection of a
// broadcast-mode run, on every load thread.
//
// The contract (DESIGN.md): a message a member sends goes to every member of the group, the
// sender included. The client checks it like this:
//
//   * Barrier. A member only receives what is sent after it joined, so nobody sends until every
//     connection has finished its handshake (joined) or given up. The barrier also releases at
//     a deadline (each connection's start plus --timeout); a connection that has not joined by
//     then stays out of the run (its failures are already counted as errors).
//   * Order and uniqueness. Each receiver keeps, per sender, the number of the last message it
//     got; the next one must carry the number after it. A repeat or a step back is "repeated",
//     a jump "skipped"; both are wrong replies.
//   * Completeness. A sender's own copy coming back means the server has handed the message to
//     the group, so every member must get it: the sender "confirms" it. When every member has
//     stopped sending (the drain), each receiver waits until it has every confirmed message of
//     every sender, bounded by the run's hard stop. What a member that stayed to the end never
//     got counts as `missing`. Messages still unconfirmed when their sender failed may or may not
//     have reached the server, so they are not owed.
//   * Fan-out. After the run, the copies of measured messages that arrived (own copies included)
//     are the deliveries; with no loss they are messages x members.
//
// A member that fails during the run (reset, timeout, a broken frame) departs: it does not
// rejoin, since as a late joiner it could not tell which messages it was owed.
//
// Flow control. A sender's own copy can come back long before a slower member (one that shares
// a load thread with others, say) has read the same message, so own-copy pacing alone lets the
// slow member's backlog in the server grow without bound, until the server drops it as a
// consumer that does not read (event_loop does at 16 MiB). So a sender also keeps at most a
// window of messages that have not yet reached every member (undelivered()).
//
// Thread-safety: every method may be called from any load thread, but the per-member methods
// (note_sent, confirm, finish_sending, receive, drained) only by the thread that owns that
// member's connection; each receiver writes only its own row of counters. join(), give_up() and
// the release take a mutex (once per connection); everything on the message path is the
// owner's plain data or a relaxed/acquire-release atomic. totals() reads everything and must
// run after every load thread has been joined.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "clients/load/broadcast_message.h"
#include "protocols/session.h"

namespace archbench::load {

// What the group saw, for the report.
struct BroadcastTotals {
  int connections = 0;        // --connections
  int members = 0;            // joined before the barrier released
  int departed = 0;           // members that failed during the run
  double join_seconds = 0;    // from the run's start to the barrier's release
  std::uint64_t messages = 0;    // measured messages sent
  std::uint64_t deliveries = 0;  // copies of measured messages that arrived, own copies included
  std::uint64_t missing = 0;     // copies owed to members that stayed, over the whole run
};

class BroadcastGroup {
 public:
  // `connections`: the member indices are 0 .. connections-1. The barrier releases by itself at
  // `join_deadline` at the latest.
  BroadcastGroup(int connections, TimePoint join_deadline);
  BroadcastGroup(const BroadcastGroup&) = delete;
  BroadcastGroup& operator=(const BroadcastGroup&) = delete;

  // --- the barrier ---
  // `member` completed its handshake. False when the barrier has already released without it
  // (too late to join).
  bool join(std::uint32_t member, TimePoint now);
  // `member` will never join (refused, or it gave up); the barrier stops waiting for it.
  void give_up(std::uint32_t member, TimePoint now);
  // Whether sending may start: everyone joined or gave up, or the deadline passed.
  bool released(TimePoint now);
  // Whether it has released, without checking the deadline (for after the run).
  bool has_released() const { return released_.load(std::memory_order_acquire); }
  // When it released; meaningful once released() or has_released() has returned true.
  TimePoint released_at() const { return released_at_; }

  // --- a member's own messages (its owner's thread) ---
  // Message `sequence` went out; `measured`: its intended start is in the measured window.
  void note_sent(std::uint32_t member, std::uint64_t sequence, bool measured);
  // The member's own copy of message `sequence` came back.
  void confirm(std::uint32_t member, std::uint64_t sequence);
  // The member sends no more: the run closed and its own copies are back, or it failed
  // (`departed`), or the run is being cut off. Call once.
  void finish_sending(std::uint32_t member, bool departed);

  // --- receiving (the receiver's owner thread) ---
  struct Receipt {
    enum class Kind { kInOrder, kRepeated, kSkipped } kind = Kind::kInOrder;
    std::uint64_t expected = 0;  // the number that was due from this sender
  };
  Receipt receive(std::uint32_t receiver, const BroadcastTag& tag);
  // Every member has finished sending and `receiver` has every confirmed message. `settled`
  // (the caller's, 0 at first) counts the senders already found complete, so repeated calls
  // during a drain cost O(members) in all rather than each.
  bool drained(std::uint32_t receiver, int& settled) const;

  // --- flow control (the sender's owner thread) ---
  // Messages `sender` has sent that some member still in the group has not received yet.
  std::uint64_t undelivered(std::uint32_t sender) const;

  // After the run (all threads joined).
  BroadcastTotals totals(TimePoint run_start) const;

 private:
  // One per connection. The atomics are read by other members' threads; the rest only by the
  // owner, and by totals() after the threads were joined (which orders the accesses).
  struct alignas(64) Member {
    std::atomic<std::uint64_t> confirmed{0};  // highest own message whose copy came back
    std::atomic<bool> departed{false};        // failed: nobody waits for it any more
    bool joined = false;                      // written under mutex_ before the release
    bool gave_up = false;
    bool finished = false;
    std::uint64_t sent = 0;
    std::uint64_t first_measured = 0;  // 0: none yet
    std::uint64_t last_measured = 0;
  };

  void release_locked(TimePoint now);  // with mutex_ held
  std::atomic<std::uint64_t>* row(std::uint32_t receiver) const {
    return &last_received_[receiver * stride_];
  }

  const int connections_;
  const TimePoint join_deadline_;
  // Rows padded to whole cache lines, so receivers on different threads do not share one.
  const std::size_t stride_;
  std::unique_ptr<Member[]> members_;
  // last_received_[receiver * stride_ + sender]: the number of the last message in order.
  // Written by the receiver's thread only; read by senders for flow control (relaxed: a stale
  // value only delays a send until the next look).
  std::unique_ptr<std::atomic<std::uint64_t>[]> last_received_;

  std::mutex mutex_;  // join, give_up, release
  int settled_ = 0;   // joined or gave up
  int joined_ = 0;
  std::atomic<bool> released_{false};
  TimePoint released_at_{};          // written before released_ is set (release order)
  std::atomic<int> finished_{0};     // members that finished sending
};

}  // namespace archbench::load
